package dev.berth.cli;

import dev.berth.cli.oci.RuntimeMain;
import dev.berth.runtime.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The training run of the AOT cache ({@code bin/build}): one JVM walks the cold paths of both
 * commands, {@code berth run} and {@code berth-runtime}'s create, start, state and delete as
 * containerd's shim calls them, so the cache holds the classes of each. A JDK 25 cache comes
 * from one run, hence one program for both.
 *
 * <p>When the JVM runs in a network namespace of its own ({@code bin/build} starts it under
 * {@code unshare --net}), it also runs containers on a bridge network, with a published port and
 * without: the FFM downcalls into rtnetlink and libnftables, and the classes of the network
 * path, then come from the cache too. In the host's network namespace it never does: training
 * must not add a bridge or firewall rules to the machine.
 *
 * <p>{@code Training DIR}: DIR is an empty directory the run may fill and that the caller removes.
 */
public final class Training {
    private Training() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean root = dev.berth.linux.Procs.effectiveUid() == 0;
        if (root) {
            // berth-runtime first: its create inherits the caller's stdio, which only the stage
            // forked by the launcher (berth-stage --launch) holds, and this JVM has one such stage
            Path bundle = bundle(dir.resolve("bundle"));
            String[] global = {"--root", dir.resolve("runtime").toString()};
            runtime(global, "create", "--bundle", bundle.toString(), "train1");
            runtime(global, "start", "train1");
            runtime(global, "state", "train1");
            runtime(global, "delete", "-f", "train1");
            Main.run(new String[] {"--root", dir.resolve("berth").toString(), "run", "--rm", "host", "true"});
            if (ownNetns()) {
                String netRoot = dir.resolve("berth-net").toString();
                Main.run(new String[] {"--root", netRoot, "run", "--rm", "--network", "bridge", "-p", "8080:80", "host", "true"});
                Main.run(new String[] {"--root", netRoot, "run", "--rm", "--network", "bridge", "host", "true"});
            }
        } else {
            Main.run(new String[] {"--root", dir.resolve("berth").toString(), "ps", "-a"});
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /**
     * True when this JVM's network namespace is not its parent's ({@code bin/build}'s shell), nor
     * that of the machine's first process where that can be read (it may not be, even for root).
     */
    private static boolean ownNetns() {
        try {
            Path own = Files.readSymbolicLink(Path.of("/proc/self/ns/net"));
            long parent = ProcessHandle.current().parent().orElseThrow().pid();
            if (own.equals(Files.readSymbolicLink(Path.of("/proc/" + parent + "/ns/net")))) {
                return false;
            }
            try {
                return !own.equals(Files.readSymbolicLink(Path.of("/proc/1/ns/net")));
            } catch (java.nio.file.AccessDeniedException e) {
                return true;
            }
        } catch (Exception e) {
            return false;
        }
    }

    private static void runtime(String[] global, String... command) {
        List<String> args = new ArrayList<>(List.of(global));
        args.addAll(List.of(command));
        RuntimeMain.execute(args.toArray(String[]::new));
    }

    /** A bundle of runc's default spec, running {@code /bin/true} from the host's read-only /usr. */
    private static Path bundle(Path bundle) throws Exception {
        Files.createDirectories(bundle.resolve("rootfs"));
        RuntimeMain.execute(new String[] {"spec", "--bundle", bundle.toString()});
        Path config = bundle.resolve("config.json");
        Map<String, Object> spec = Json.parseObject(Files.readString(config));
        Map<String, Object> process = Json.map(spec, "process");
        process.put("args", List.of("/bin/true"));
        process.put("terminal", false);
        Json.map(spec, "root").put("readonly", true);
        @SuppressWarnings("unchecked")
        List<Object> mounts = new ArrayList<>((List<Object>) spec.get("mounts"));
        for (String d : List.of("usr", "bin", "sbin", "lib", "lib64")) {
            if (Files.isDirectory(Path.of("/" + d))) {
                mounts.add(Map.of("destination", "/" + d, "type", "bind", "source", "/" + d,
                    "options", List.of("rbind", "ro")));
            }
        }
        spec.put("mounts", mounts);
        // under the parent bin/build removes, as BERTH_CGROUP_PARENT puts berth's
        Json.map(spec, "linux").put("cgroupsPath", "/" + bundle.getParent().getFileName() + "/train");
        Files.writeString(config, Json.compact(spec));
        return bundle;
    }
}
