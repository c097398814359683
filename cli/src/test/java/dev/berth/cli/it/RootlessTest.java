package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * berth-runtime and berth run by an unprivileged user (a uid with no account, through setpriv):
 * a user namespace mapping root to that uid, no cgroup, and nothing of the host's that the user
 * could not write becomes writable.
 */
class RootlessTest {
    private static final int UID = 47123;

    private Path dir;
    /** What the user's commands run under: a network (and mount) namespace of the test's. */
    private List<String> wrap = List.of();
    /** Variables changed for the user's commands; a null value removes one. */
    private final java.util.Map<String, String> env = new java.util.HashMap<>();
    private Path bundle;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Host.isRoot(), "setpriv to another uid needs root");
        dir = Files.createTempDirectory(Path.of("/tmp"), "berth-trl");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        bundle = dir.resolve("bundle");
        Files.createDirectories(bundle);
        exec(0, "cp", "-a", Rootfs.busybox().toString(), bundle.resolve("rootfs").toString());
        // what the user runs and reads must be reachable by it: our jars may sit under /root and
        // the checkout in a directory only root may enter (mktemp -d)
        Path cp = dir.resolve("cp");
        Files.createDirectories(cp);
        List<String> entries = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
        for (int i = 0; i < entries.size(); i++) {
            exec(0, "cp", "-a", entries.get(i), cp.resolve(i + "-" + Path.of(entries.get(i)).getFileName()).toString());
        }
        exec(0, "cp", Berth.STAGE.toString(), stage().toString());
        Files.createDirectories(dir.resolve("state"));
        Files.createDirectories(dir.resolve("hostdir"));
        Files.writeString(dir.resolve("hostdir/root-owned"), "host\n");
        // a rootless user owns its bundle and its image, as podman unpacks it
        exec(0, "chown", "-R", UID + ":" + UID, dir.resolve("state").toString(), bundle.toString());
        run(0, "spec", "--rootless", "--bundle", bundle.toString());
        String config = Files.readString(bundle.resolve("config.json"))
            .replace("\"terminal\": true", "\"terminal\": false")
            .replace("\"sh\"", "\"sleep\", \"30\"")
            .replaceFirst("\"mounts\": \\[", "\"mounts\": [{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \""
                + dir.resolve("hostdir") + "\", \"options\": [\"rbind\", \"rw\"]},");
        Files.writeString(bundle.resolve("config.json"), config);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (dir == null) {
            return;
        }
        try {
            for (String id : run(0, "list", "-q").split("\n")) {
                if (!id.isBlank()) {
                    run(0, "delete", "-f", id.strip());
                }
            }
            assertEquals(List.of(), Host.mountsUnder(dir));
        } finally {
            exec(0, "rm", "-rf", dir.toString());
        }
    }

    @Test
    void anUnprivilegedUserRunsAContainerAsRootOfItsOwnUserNamespace() throws Exception {
        Path pidFile = dir.resolve("state/pid");
        run(0, "create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "r1");
        run(0, "start", "r1");
        long pid = Long.parseLong(Files.readString(pidFile));
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        assertTrue(status.contains("Uid:\t" + UID + "\t" + UID), "the host sees the user's uid: " + status);
        assertEquals(List.of("0", Integer.toString(UID), "1"),
            List.of(Files.readString(Path.of("/proc/" + pid + "/uid_map")).strip().split("\\s+")));
        assertFalse(Host.ns(pid, "user").equals(Host.ownNs("user")));
        assertFalse(Files.readString(Path.of("/proc/" + pid + "/cgroup")).contains("berth-runtime"),
            "no cgroup: the user cannot make one");

        assertEquals("0 0", run(0, "exec", "r1", "sh", "-c", "echo $(id -u) $(id -g)").strip());
        // root in the container is not root on the host: a root-owned host file stays read-only
        String denied = run(1, "exec", "r1", "sh", "-c", "echo x >> /mnt/root-owned");
        assertTrue(denied.contains("Permission denied"), denied);
        assertEquals("host\n", Files.readString(dir.resolve("hostdir/root-owned")));
        run(0, "delete", "-f", "r1");
        assertFalse(Files.exists(dir.resolve("state/r1")));
    }

    @Test
    void berthRunByAUserGetsAUserNamespaceAndNoCgroup() throws Exception {
        String out = berth(0, "run", "--rm", "host", "sh", "-c", "id -u; cat /proc/self/uid_map");
        assertTrue(out.contains("WARNING: rootless: the container has no cgroup of its own"), out);
        assertTrue(out.contains("\n0\n") || out.startsWith("0\n"), out);
        assertTrue(out.replaceAll("\\s+", " ").contains(" 0 " + UID + " 1"), "root inside is the user: " + out);

        String id = berth(0, "run", "-d", "host", "sleep", "30").lines().reduce((a, b) -> b).orElseThrow().strip();
        long pid = Long.parseLong(berth(0, "inspect", "-f", "{{.State.Pid}}", id).strip());
        assertTrue(Files.readString(Path.of("/proc/" + pid + "/status")).contains("Uid:\t" + UID + "\t"));
        assertFalse(Host.ns(pid, "user").equals(Host.ownNs("user")));
        assertEquals("0", berth(0, "exec", id, "id", "-u").strip());
        berth(0, "rm", "-f", id);

        assertTrue(berth(125, "run", "--rm", "--memory", "64m", "host", "true").contains("rootless: resource limits"));
        assertTrue(berth(125, "run", "--rm", "--userns", "host", "host", "true").contains("rootless: --userns host"));
    }

    /**
     * Issue 10's "an unprivileged user cannot use berth to gain root on the host": every way
     * to ask berth for root's powers, run by the user, with host files as the oracle. The user
     * is root only in a user namespace that maps nothing else, so the kernel refuses what host
     * root would be allowed; berth itself refuses what needs the host's ids (--userns host, a
     * map of host root, another user's state root) with one line that says why.
     */
    @Test
    void anUnprivilegedUserGainsNoRootOnTheHost() throws Exception {
        Path shadow = Path.of("/etc/shadow");
        byte[] shadowBefore = Files.readAllBytes(shadow);
        Path rootOwned = dir.resolve("hostdir/root-owned");
        String disk = hostBlockDevice();
        String probe = "if true >> /x/shadow; then echo OPENED; else echo refused; fi;"
            + " if true < /dev/" + disk + "; then echo OPENED; else echo refused; fi";
        // the host's /etc bound read-write, as root of the container and with --privileged
        assertEquals(2, refusals(berth(0, "run", "--rm", "-v", "/etc:/x", "host", "sh", "-c", probe)));
        assertEquals(2, refusals(berth(0, "run", "--rm", "--privileged", "-v", "/etc:/x", "host", "sh", "-c", probe)));
        // a device passed in: the node is the host's, and opening it is the host's decision
        assertEquals(1, refusals(berth(0, "run", "--rm", "--device", "/dev/" + disk + ":/dev/xdisk", "host", "sh", "-c",
            "if true < /dev/xdisk; then echo OPENED; else echo refused; fi")));
        assertTrue(berth(125, "run", "--rm", "--userns", "host", "host", "true").contains("rootless: --userns host"));

        // a setuid-root binary in the rootfs (owned by host root: the worst an image could hold)
        Path rootfs = bundle.resolve("rootfs");
        exec(0, "gcc", "-static", "-O2", "-o", rootfs.resolve("suid").toString(), resource("suidprobe.c").toString());
        exec(0, "chown", "0:0", rootfs.resolve("suid").toString());
        exec(0, "chmod", "4755", rootfs.resolve("suid").toString());
        Path out = Files.createDirectory(dir.resolve("hostdir/out"));
        exec(0, "chown", UID + ":" + UID, out.toString());
        for (String flag : List.of("--cap-add=ALL", "--privileged")) {
            String made = "made" + flag.length();
            String r = berth(0, "run", "--rm", flag, "--rootfs", rootfs.toString(), "-v", dir.resolve("hostdir") + ":/h",
                "/suid", "/h/root-owned", "/h/out/" + made);
            assertTrue(r.contains("append Permission denied create made"), r);
            assertEquals(UID, Files.getAttribute(out.resolve(made), "unix:uid"), "the setuid binary ran as root on the host");
        }

        // berth-runtime with a config.json that maps the container's root to the host's
        Files.writeString(bundle.resolve("config.json"), Files.readString(bundle.resolve("config.json"))
            .replaceAll("\"hostID\": " + UID, "\"hostID\": 0"));
        String mapped = run(1, "run", "--bundle", bundle.toString(), "r0");
        assertTrue(mapped.contains("uid_map") && mapped.lines().filter(l -> !l.isBlank()).count() == 1, mapped);
        assertEquals("", run(0, "list", "-q").strip(), "the refused container is left behind");

        // root's state root: its containers are not the user's to exec into, attach or remove
        Path rootState = Files.createDirectory(dir.resolve("root-state"));
        Files.setPosixFilePermissions(rootState, PosixFilePermissions.fromString("rwx--x--x"));
        for (String[] cmd : new String[][] {{"ps"}, {"exec", "c", "id"}, {"rm", "-f", "c"}}) {
            String refused = user(1, "dev.berth.cli.Main", "--root", rootState.toString(), cmd);
            assertTrue(refused.contains("the state root belongs to uid 0: run berth as that user"), refused);
        }

        assertTrue(java.util.Arrays.equals(shadowBefore, Files.readAllBytes(shadow)), "/etc/shadow changed");
        assertEquals("host\n", Files.readString(rootOwned));
        try (var s = Files.list(dir.resolve("hostdir"))) {
            assertEquals(2, s.count(), "the user made a file in a host directory it does not own");
        }
    }

    /** How many "refused" lines {@code out} has; an "OPENED" fails the test. */
    private static long refusals(String out) {
        assertFalse(out.contains("OPENED"), "the user opened a file of host root's: " + out);
        return out.lines().filter(l -> l.equals("refused")).count();
    }

    /** A block device of the host's (its disk): only root may open it. */
    private static String hostBlockDevice() throws IOException {
        try (var s = Files.list(Path.of("/sys/class/block"))) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                if (Files.exists(Path.of("/dev", name)) && !name.startsWith("loop") && !name.startsWith("ram")) {
                    return name;
                }
            }
        }
        throw new org.opentest4j.TestAbortedException("the host has no block device to try");
    }

    private Path resource(String name) throws IOException {
        Path p = dir.resolve(name);
        try (var in = RootlessTest.class.getResourceAsStream(name)) {
            Files.copy(in, p);
        }
        return p;
    }

    /**
     * A user's image: its layers unpacked by the user (owned by it, so root inside), the
     * overlay mounted by the container's root inside its user namespace (userxattr), and what
     * the container writes owned by the user on the host.
     */
    @Test
    void aUserRunsAnImageOnAnOverlayOfItsOwnLayers() throws Exception {
        Path root = dir.resolve("state/berth");
        TestImage.load(root);
        exec(0, "chown", "-R", UID + ":" + UID, root.toString());
        String out = berth(0, "run", "-d", "-u", "0", "--entrypoint", "/bin/sh", "busybox", "-c",
            "echo written > /written; exec sleep 30");
        String id = out.lines().reduce((a, b) -> b).orElseThrow().strip();
        long pid = Long.parseLong(berth(0, "inspect", "-f", "{{.State.Pid}}", id).strip());
        String rootMount = Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo")).stream()
            .filter(l -> l.split(" ")[4].equals("/")).findFirst().orElseThrow();
        assertTrue(rootMount.contains(" - overlay ") && rootMount.contains("userxattr"), rootMount);
        Path upper = root.resolve("containers").resolve(id).resolve("overlay/upper");
        Path written = upper.resolve("written");
        for (int i = 0; i < 100 && !Files.exists(written); i++) {
            Thread.sleep(20);
        }
        assertEquals(UID, Files.getAttribute(written, "unix:uid"), "written by the container's root: the user");
        String lower = berth(0, "inspect", "-f", "{{.GraphDriver.Data.LowerDir}}", id).strip().split(":")[1];
        assertEquals(UID, Files.getAttribute(Path.of(lower, "bin/busybox"), "unix:uid"));
        assertTrue(lower.endsWith("-ux/fs"), lower);
        assertEquals("0 layer2\n", berth(0, "exec", id, "sh", "-c", "echo $(stat -c %u /bin/busybox) $(cat /data/file)"));
        assertFalse(berth(0, "exec", id, "ls", "/bin").contains("notexec"), "the whiteout of layer 2");
        berth(0, "rm", "-f", id);
        assertFalse(Files.exists(upper.getParent().getParent()), "the container's directory is gone");
        assertEquals(List.of(), Host.mountsUnder(dir));
    }

    /**
     * pasta for a user: -p alone gives the container pasta (as podman does rootless), which
     * reaches a server of the host and forwards the published port. All of it in a network
     * namespace of the test's own, made to look like a host ({@link PastaTest#hostLike}); where
     * {@code /dev/net/tun} is root's only (as on some VMs; Debian's udev makes it 0666), the user
     * gets a usable node bound over it in a mount namespace of the test's, never on the host.
     */
    @Test
    void aUsersContainerPublishesThroughPastaAndReachesOut() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/pasta")), "pasta is missing: apt-get install passt (bin/test does)");
        Process holder = new ProcessBuilder("unshare", "--net", "sleep", "600").start();
        try {
            Path netns = Path.of("/proc/" + holder.pid() + "/ns/net");
            for (int i = 0; i < 200 && Host.ns(holder.pid(), "net").equals(Host.ownNs("net")); i++) {
                Thread.sleep(10);
            }
            PastaTest.hostLike(netns);
            wrap = new ArrayList<>(List.of("nsenter", "--net=" + netns));
            Path tun = Path.of("/dev/net/tun");
            if (!"rw-rw-rw-".equals(PosixFilePermissions.toString(Files.getPosixFilePermissions(tun)))) {
                String refused = berth(125, "run", "--rm", "-p", "7000", "host", "true");
                assertTrue(refused.contains("chmod 0666 /dev/net/tun"), refused);
                exec(0, "mknod", "-m", "0666", dir.resolve("tun").toString(), "c", "10", "200");
                wrap.addAll(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "mount --bind " + dir.resolve("tun") + " /dev/net/tun && exec \"$@\"", "sh"));
            }

            try (java.net.ServerSocket server = PastaTest.server(netns)) {
                Thread answer = PastaTest.answerOnce(server, "to-a-user");
                String out = berth(0, "run", "--rm", "--network", "pasta", "host", "sh", "-c",
                    "busybox wget -q -O - http://" + PastaTest.SERVER_ADDRESS + ":" + server.getLocalPort() + "/");
                assertTrue(out.contains("to-a-user"), out);
                answer.join(5000);
            }

            Path www = Files.createDirectory(dir.resolve("www"));
            Files.writeString(www.resolve("index.html"), "published\n");
            Files.setPosixFilePermissions(www, PosixFilePermissions.fromString("rwxr-xr-x"));
            String id = berth(0, "run", "-d", "-p", "7000", "-v", www + ":/www", "host",
                "busybox", "httpd", "-f", "-p", "7000", "-h", "/www").lines().reduce((a, b) -> b).orElseThrow().strip();
            assertEquals("pasta", berth(0, "inspect", "-f", "{{.HostConfig.NetworkMode}}", id).strip());
            String ports = berth(0, "inspect", "-f", "{{.NetworkSettings.Ports}}", id).strip();
            int hostPort = Integer.parseInt(ports.substring(ports.lastIndexOf(':') + 1, ports.indexOf(']')));
            long pasta = Long.parseLong(berth(0, "inspect", "-f", "{{.NetworkSettings.Pasta.Pid}}", id).strip());
            assertTrue(Files.readString(Path.of("/proc/" + pasta + "/status")).contains("Uid:\t" + UID + "\t"),
                "pasta runs as the user");
            assertEquals("published", PastaTest.fetch(netns, "127.0.0.1", hostPort));
            berth(0, "rm", "-f", id);
            assertTrue(PastaTest.awaitGone(pasta), "pasta outlived the user's container");
            assertTrue(NetTools.refused(netns, "127.0.0.1", hostPort));
        } finally {
            try {
                for (String id : berth(0, "ps", "-a", "-q").split("\n")) {
                    if (!id.isBlank() && !id.startsWith("WARNING")) {
                        berth(0, "rm", "-f", id.strip());
                    }
                }
            } finally {
                wrap = List.of();
                holder.destroyForcibly();
            }
        }
    }

    /**
     * A user's container without --network: pasta where pasta is installed and the user may open
     * {@code /dev/net/tun} (podman's rootless default), else loopback only. In a network namespace
     * of the test's own made to look like a host, with {@code BERTH_DEFAULT_NETWORK} (which the
     * build sets to none for every test) unset.
     */
    @Test
    void aUsersDefaultNetworkIsPastaWhereItCanRunElseNone() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/pasta")), "pasta is missing: apt-get install passt (bin/test does)");
        Process holder = new ProcessBuilder("unshare", "--net", "sleep", "600").start();
        try {
            Path netns = Path.of("/proc/" + holder.pid() + "/ns/net");
            for (int i = 0; i < 200 && Host.ns(holder.pid(), "net").equals(Host.ownNs("net")); i++) {
                Thread.sleep(10);
            }
            PastaTest.hostLike(netns);
            wrap = new ArrayList<>(List.of("nsenter", "--net=" + netns));
            env.put("BERTH_DEFAULT_NETWORK", null);
            // pasta not installed: a PATH with setpriv only
            Path bin = Files.createDirectory(dir.resolve("bin"));
            Files.createSymbolicLink(bin.resolve("setpriv"), Path.of(exec(0, "sh", "-c", "command -v setpriv").strip()));
            env.put("PATH", bin.toString());
            assertEquals(List.of("lo"), interfaces(berth(0, "run", "--rm", "host", "cat", "/proc/net/dev")));
            env.remove("PATH");
            Path tun = Path.of("/dev/net/tun");
            if (!"rw-rw-rw-".equals(PosixFilePermissions.toString(Files.getPosixFilePermissions(tun)))) {
                // a tun device the user may not open: pasta could not run, so none again
                assertEquals(List.of("lo"), interfaces(berth(0, "run", "--rm", "host", "cat", "/proc/net/dev")));
                exec(0, "mknod", "-m", "0666", dir.resolve("tun").toString(), "c", "10", "200");
                wrap.addAll(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "mount --bind " + dir.resolve("tun") + " /dev/net/tun && exec \"$@\"", "sh"));
            }
            try (java.net.ServerSocket server = PastaTest.server(netns)) {
                Thread answer = PastaTest.answerOnce(server, "by-default");
                String out = berth(0, "run", "--rm", "host", "sh", "-c",
                    "busybox wget -q -O - http://" + PastaTest.SERVER_ADDRESS + ":" + server.getLocalPort() + "/");
                assertTrue(out.contains("by-default"), out);
                answer.join(5000);
            }
            String id = berth(0, "run", "-d", "host", "sleep", "60").lines().reduce((a, b) -> b).orElseThrow().strip();
            assertEquals("pasta", berth(0, "inspect", "-f", "{{.HostConfig.NetworkMode}}", id).strip());
            long pasta = Long.parseLong(berth(0, "inspect", "-f", "{{.NetworkSettings.Pasta.Pid}}", id).strip());
            berth(0, "rm", "-f", id);
            assertTrue(PastaTest.awaitGone(pasta), "pasta outlived the user's container");
        } finally {
            try {
                for (String id : berth(0, "ps", "-a", "-q").split("\n")) {
                    if (!id.isBlank() && !id.startsWith("WARNING")) {
                        berth(0, "rm", "-f", id.strip());
                    }
                }
            } finally {
                wrap = List.of();
                env.clear();
                holder.destroyForcibly();
            }
        }
    }

    /** The interfaces /proc/net/dev lists (the output may hold warnings too). */
    private static List<String> interfaces(String procNetDev) {
        return procNetDev.lines().filter(l -> l.matches("\\s*[\\w.-]+:\\s*\\d.*")).map(l -> l.strip().split(":")[0]).toList();
    }

    /** berth-runtime as the unprivileged user, with its own root; stdout and stderr together. */
    private String run(int code, String... args) throws IOException, InterruptedException {
        return user(code, "dev.berth.cli.oci.RuntimeMain", "--root", dir.resolve("state").toString(), args);
    }

    /** berth as the unprivileged user, with its own root. */
    private String berth(int code, String... args) throws IOException, InterruptedException {
        return user(code, "dev.berth.cli.Main", "--root", dir.resolve("state/berth").toString(), args);
    }

    private String user(int code, String main, String rootFlag, String root, String... args)
        throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(wrap);
        cmd.addAll(List.of("setpriv", "--reuid=" + UID, "--regid=" + UID, "--clear-groups",
            stage().toString(), "--launch", ProcessHandle.current().info().command().orElseThrow(),
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-cp", classPath(), main, rootFlag, root));
        cmd.addAll(List.of(args));
        return exec(code, cmd.toArray(String[]::new));
    }

    private String classPath() {
        List<String> out = new ArrayList<>();
        List<String> entries = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
        for (int i = 0; i < entries.size(); i++) {
            out.add(dir.resolve("cp").resolve(i + "-" + Path.of(entries.get(i)).getFileName()).toString());
        }
        return String.join(File.pathSeparator, out);
    }

    private Path stage() {
        return dir.resolve("berth-stage");
    }

    private String exec(int code, String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile(Path.of("/tmp"), "berth-trl-out", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().put("BERTH_STAGE", stage().toString());
            pb.environment().remove("XDG_RUNTIME_DIR");
            env.forEach((k, v) -> {
                if (v == null) {
                    pb.environment().remove(k);
                } else {
                    pb.environment().put(k, v);
                }
            });
            Process p = pb.start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String text = Files.readString(out);
            assertEquals(code, p.exitValue(), () -> String.join(" ", cmd) + ": " + text);
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
