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
 * {@code unshare --net}), its containers get root's default network, the bridge, and some run
 * with a published port or with {@code --network none}: the FFM downcalls into rtnetlink and
 * libnftables, and the classes of the network path, then come from the cache too. In the host's
 * network namespace it never does (the default network is set to none): training must not add a
 * bridge or firewall rules to the machine.
 *
 * <p>Two caches come from it ({@code bin/build}), because a JDK 25 cache made with AOT class
 * linking (the default of {@code -XX:AOTCacheOutput}) has the JVM load and link <em>every</em>
 * class it holds at start-up, used or not: {@code Training DIR} walks every path (images, pull,
 * the registry's HTTP client) for {@code berth-all.aot}, and {@code Training DIR core}, run after
 * it on the same DIR, only the container commands, for {@code berth.aot}, the cache of
 * {@code run}, {@code ps}, {@code exec}, ... (bin/berth picks one by the command). With the one
 * cache of every path, {@code berth run --rm} loaded 3,018 classes where it uses 1,084.
 *
 * <p>A third, {@code Training DIR run} for {@code berth-run.aot}, walks only {@code berth run --rm}
 * without published ports (host, a root directory, the image, no network and the bridge): the
 * cache that the launcher gives {@code berth run} without {@code -p}. Each class a cache holds
 * costs every start ~6 us whether it is used or not (a cache of {@code berth version}'s 873
 * classes started it in 24.2 ms, {@code berth.aot}'s 2,094 in 31.8), and one it lacks costs the
 * run that needs it a load from its jar instead.
 *
 * <p>{@code Training DIR [core|run]}: DIR is a directory the run may fill and that the caller removes.
 */
public final class Training {
    private Training() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean root = dev.berth.linux.Procs.effectiveUid() == 0;
        boolean ownNetns = root && ownNetns();
        // a run without --network is bridged for root: only where that touches no host's network
        System.setProperty("berth.defaultNetwork", ownNetns ? "bridge" : "none");
        if (args.length > 1 && args[1].equals("run")) {
            if (root) {
                runs(dir, false);
            } else {
                Main.run(new String[] {"--root", dir.resolve("berth").toString(), "ps", "-a"});
            }
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
        if (args.length > 1 && args[1].equals("core")) {
            if (root) {
                core(dir);
            } else {
                Main.run(new String[] {"--root", dir.resolve("berth").toString(), "ps", "-a"});
            }
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
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
            image(dir);
            long imaged = System.nanoTime();
            healthcheck(dir);
            if (ownNetns) {
                String netRoot = dir.resolve("berth-net").toString();
                Main.run(new String[] {"--root", netRoot, "run", "--rm", "-p", "8080:80", "host", "true"});
                Main.run(new String[] {"--root", netRoot, "run", "--rm", "host", "true"});
                Main.run(new String[] {"--root", netRoot, "run", "--rm", "--network", "none", "host", "true"});
                try (dev.berth.linux.netlink.Rtnl rtnl = dev.berth.linux.netlink.Rtnl.open()) {
                    rtnl.links().setUp("lo"); // this JVM's own namespace: the registry below listens there
                }
            }
            try {
                pull(dir);
            } catch (Exception e) { // a cache without the pull's classes is still a cache
                System.err.println("training: pull: " + e);
            }
            verified(dir, imaged);
        } else {
            Main.run(new String[] {"--root", dir.resolve("berth").toString(), "ps", "-a"});
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /**
     * The container commands only, for {@code berth.aot}: berth-runtime's calls, {@code run --rm}
     * on the host image, a root directory and (when the full training left it in DIR) an image,
     * on no network and on a bridge, a detached container with exec, logs, inspect, ps, a
     * healthcheck, stop and rm. Nothing of the image commands, the registry or the daemon.
     */
    private static void core(Path dir) throws Exception {
        Path bundle = bundle(dir.resolve("core-bundle"));
        String[] global = {"--root", dir.resolve("core-runtime").toString()};
        runtime(global, "create", "--bundle", bundle.toString(), "train1");
        runtime(global, "start", "train1");
        runtime(global, "state", "train1");
        runtime(global, "delete", "-f", "train1");
        runs(dir, true);
        String root = dir.resolve("berth").toString();
        healthcheck(dir);
        Main.run(new String[] {"--root", root, "run", "-d", "--name", "train-core", "host", "sleep", "60"});
        Main.run(new String[] {"--root", root, "exec", "train-core", "true"});
        Main.run(new String[] {"--root", root, "logs", "train-core"});
        Main.run(new String[] {"--root", root, "inspect", "train-core"});
        Main.run(new String[] {"--root", root, "ps", "-a"});
        Main.run(new String[] {"--root", root, "stop", "-t", "0", "train-core"});
        Main.run(new String[] {"--root", root, "rm", "-f", "train-core"});
    }

    /**
     * {@code run --rm}: host, a root directory, an image; no network, the default bridge (in its
     * own netns), and with {@code published} a published port, whose libnftables calls bring the
     * FFM linker's ~400 classes (the bridge itself needs none: its wiring goes through the stage).
     */
    private static void runs(Path dir, boolean published) throws Exception {
        String root = dir.resolve("berth").toString();
        Main.run(new String[] {"--root", root, "run", "--rm", "host", "true"});
        Main.run(new String[] {"--root", root, "run", "--rm", "--network", "none", "host", "true"});
        Path rootfs = dir.resolve("core-rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.write(rootfs.resolve("bin/true"), exitZero());
        Files.setPosixFilePermissions(rootfs.resolve("bin/true"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/true\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\n");
        Main.run(new String[] {"--root", root, "run", "--rm", "--rootfs", rootfs.toString(), "/bin/true"});
        if (dev.berth.image.ImageStore.open(Path.of(root)).refs().tags().containsKey("docker.io/library/berth-training:1")) {
            Main.run(new String[] {"--root", root, "run", "--rm", "berth-training:1", "true"});
        }
        if (ownNetns()) { // a root of its own: the full run's networks were in another namespace
            String netRoot = dir.resolve("core-net").toString();
            if (published) {
                Main.run(new String[] {"--root", netRoot, "run", "--rm", "-p", "8080:80", "host", "true"});
            }
            Main.run(new String[] {"--root", netRoot, "run", "--rm", "host", "true"});
            Main.run(new String[] {"--root", netRoot, "run", "--rm", "host", "true"}); // the firewall known
        }
    }

    /**
     * A healthcheck, as the container's monitor runs one ({@code healthcheck run --monitor}):
     * the probe's exec and the health file, so that each scheduled check starts from the cache.
     */
    private static void healthcheck(Path dir) {
        String root = dir.resolve("berth").toString();
        Main.run(new String[] {"--root", root, "run", "-d", "--name", "train-health", "--health-cmd", "true",
            "--health-interval", "1h", "host", "sleep", "60"});
        Main.run(new String[] {"--root", root, "healthcheck", "run", "--monitor", "train-health"});
        Main.run(new String[] {"--root", root, "ps", "--filter", "health=healthy"});
        Main.run(new String[] {"--root", root, "rm", "-f", "train-health"});
    }

    /**
     * {@code berth run} on an image, so that its classes (refs, manifest and config read and
     * checked, snapshots, the layers' view, the overlay) come from the cache too. The image is
     * made here, by berth's own commands: a rootfs tar of one tiny static program (written below:
     * no busybox or umoci at build time) imported, saved as an OCI layout (docker 25's archive
     * is one) and loaded into the root that runs it. The second run is every later one's path:
     * its layer is unpacked already.
     */
    private static void image(Path dir) throws Exception {
        Path rootfs = dir.resolve("rootfs.tar");
        try (java.io.OutputStream out = Files.newOutputStream(rootfs)) {
            dev.berth.image.TarWriter tar = new dev.berth.image.TarWriter(out);
            for (String d : List.of("bin/", "etc/")) {
                dev.berth.image.TarEntry e = new dev.berth.image.TarEntry(d, dev.berth.image.TarEntry.DIR);
                e.mode = 0755;
                tar.add(e, null);
            }
            file(tar, "bin/true", exitZero(), 0755);
            file(tar, "etc/passwd", "root:x:0:0:root:/root:/bin/true\n".getBytes(), 0644);
            file(tar, "etc/group", "root:x:0:\n".getBytes(), 0644);
            tar.finish();
        }
        String source = dir.resolve("berth-image").toString();
        Path layout = dir.resolve("layout.tar");
        Main.run(new String[] {"--root", source, "import", rootfs.toString(), "berth-training:1"});
        Main.run(new String[] {"--root", source, "save", "-o", layout.toString(), "berth-training:1"});
        String root = dir.resolve("berth").toString();
        Main.run(new String[] {"--root", root, "load", "-i", layout.toString()});
        Main.run(new String[] {"--root", root, "run", "--rm", "berth-training:1", "true"});
        Main.run(new String[] {"--root", root, "run", "--rm", "berth-training:1", "true"});
    }

    /**
     * One more run of the image once its blobs are older than BlobStore's racy window (2 s), so
     * that its manifest and config get their verified markers, as an image's do at its first run
     * after that window: the later trainings then run it as most runs of an image go, without
     * hashing, whose libcrypto downcalls would put the FFM linker's classes in their caches.
     */
    private static void verified(Path dir, long imaged) throws InterruptedException {
        long wait = 2100 - (System.nanoTime() - imaged) / 1_000_000;
        if (wait > 0) {
            Thread.sleep(wait);
        }
        Main.run(new String[] {"--root", dir.resolve("berth").toString(), "run", "--rm", "berth-training:1", "true"});
    }

    /**
     * {@code berth pull} of the training image from a registry in this JVM (the JDK's HTTP
     * server on loopback, serving the blobs {@link #image} made): the registry client's classes
     * (the HTTP client, the https attempt a loopback registry gets first, the download into the
     * store) then come from the cache. Without them a pull spent ~0.3 s of a cold JVM on them.
     */
    private static void pull(Path dir) throws Exception {
        Path blobs = dir.resolve("berth-image").resolve("images").resolve("blobs").resolve("sha256");
        dev.berth.image.Digest top = dev.berth.image.ImageStore.open(dir.resolve("berth-image")).refs().tags()
            .get("docker.io/library/berth-training:1");
        if (top == null) {
            return;
        }
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/v2/", ex -> {
            String path = ex.getRequestURI().getPath();
            byte[] body = null;
            if (path.equals("/v2/")) {
                body = "{}".getBytes();
            } else if (path.equals("/v2/berth-training/manifests/1")) {
                body = Files.readAllBytes(blobs.resolve(top.hex()));
                ex.getResponseHeaders().add("Docker-Content-Digest", top.toString());
            } else if (path.startsWith("/v2/berth-training/blobs/sha256:")) {
                Path blob = blobs.resolve(dev.berth.image.Digest.parse(path.substring(path.lastIndexOf('/') + 1)).hex());
                body = Files.isRegularFile(blob) ? Files.readAllBytes(blob) : null;
            }
            ex.getResponseHeaders().add("Content-Type", "application/json"); // the manifest's own mediaType decides
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
        try {
            Main.run(new String[] {"--root", dir.resolve("berth-pull").toString(), "pull", "-q",
                "127.0.0.1:" + server.getAddress().getPort() + "/berth-training:1"});
        } finally {
            server.stop(0);
        }
    }

    private static void file(dev.berth.image.TarWriter tar, String name, byte[] content, int mode) throws Exception {
        dev.berth.image.TarEntry e = new dev.berth.image.TarEntry(name, dev.berth.image.TarEntry.FILE);
        e.mode = mode;
        e.size = content.length;
        tar.add(e, new java.io.ByteArrayInputStream(content));
    }

    /**
     * The smallest static program that exits 0: an ELF header, one loadable segment, and
     * {@code exit(0)} as a system call (x86-64 or AArch64, the machine's own).
     */
    static byte[] exitZero() {
        boolean arm = System.getProperty("os.arch").equals("aarch64");
        byte[] code = arm
            ? new byte[] {0x00, 0x00, (byte) 0x80, (byte) 0xd2, (byte) 0xa8, 0x0b, (byte) 0x80, (byte) 0xd2, 0x01, 0x00, 0x00,
                (byte) 0xd4} // mov x0, #0; mov x8, #93 (exit); svc #0
            : new byte[] {0x31, (byte) 0xff, (byte) 0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05}; // xor edi,edi; mov eax,60; syscall
        long base = 0x400000;
        int headers = 64 + 56;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(headers + code.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        b.putShort((short) 2).putShort((short) (arm ? 0xb7 : 0x3e)).putInt(1); // executable, machine, version
        b.putLong(base + headers).putLong(64).putLong(0); // entry, program headers, no section headers
        b.putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 1).putShort((short) 0)
            .putShort((short) 0).putShort((short) 0);
        b.putInt(1).putInt(5).putLong(0).putLong(base).putLong(base); // PT_LOAD, r-x, the whole file at base
        b.putLong(headers + code.length).putLong(headers + code.length).putLong(0x1000);
        b.put(code);
        return b.array();
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
