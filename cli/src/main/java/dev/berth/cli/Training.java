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
 * commands, {@code berth run} and {@code berth-runtime}'s create, start, state, delete and run as
 * containerd's shim calls them, so the cache holds the classes of each. A JDK 25 cache comes
 * from one run, hence one program for both.
 *
 * <p>{@code Training DIR}: DIR is an empty directory the run may fill and that the caller removes.
 */
public final class Training {
    private Training() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean root = dev.berth.linux.Procs.effectiveUid() == 0;
        if (root) {
            Main.run(new String[] {"--root", dir.resolve("berth").toString(), "run", "--rm", "host", "true"});
            Path bundle = bundle(dir.resolve("bundle"));
            String[] global = {"--root", dir.resolve("runtime").toString()};
            runtime(global, "create", "--bundle", bundle.toString(), "train1");
            runtime(global, "start", "train1");
            runtime(global, "state", "train1");
            runtime(global, "delete", "-f", "train1");
            runtime(global, "run", "--bundle", bundle.toString(), "train2");
        } else {
            Main.run(new String[] {"--root", dir.resolve("berth").toString(), "ps", "-a"});
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
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
