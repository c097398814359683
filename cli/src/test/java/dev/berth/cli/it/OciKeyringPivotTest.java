package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.runtime.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The session keyring of a container and {@code --no-pivot}, berth-runtime beside runc (the
 * oracle) on the same bundle. The keyring is seen by keyutils' {@code keyctl} inside the container
 * (the host's /usr, bound in, without a seccomp profile, which would refuse keyctl), since /proc
 * shows no process's keyring; the root by /proc/PID from outside, by the mounts the container's
 * mount namespace holds (listmount(2)), and by a chroot escape tried from inside.
 */
class OciKeyringPivotTest {
    /** The classic escape: chroot below the cwd, then ".." until the top, chroot there. */
    private static final String ESCAPE = """
        import os, sys
        os.makedirs('/x', exist_ok=True)
        os.chroot('/x')
        for i in range(64):
            os.chdir('..')
        os.chroot('.')
        print('out' if os.path.exists(sys.argv[1]) else 'in')
        """;

    /**
     * The mounts of the mount namespace of PID (argv[1]) as listmount(2) gives them from the
     * namespace's own root, whatever the processes' roots: fstype, root, mount point per line,
     * then "on" and the mount it is mounted on, the same way, unless it is the namespace's root.
     */
    private static final String LISTMOUNT = """
        import ctypes, fcntl, os, struct, sys
        libc = ctypes.CDLL(None, use_errno=True)
        NS_GET_MNTNS_ID = (2 << 30) | (8 << 16) | (0xb7 << 8) | 5
        fd = os.open('/proc/%s/ns/mnt' % sys.argv[1], os.O_RDONLY)
        try:
            ns = struct.unpack('Q', fcntl.ioctl(fd, NS_GET_MNTNS_ID, bytes(8)))[0]
        except OSError:
            sys.exit(77)
        ids = (ctypes.c_uint64 * 4096)()
        n = libc.syscall(458, struct.pack('IIQQQ', 32, 0, 2**64 - 1, 0, ns), ids, 4096, 0)
        if n < 0:
            sys.exit(77)
        mounts = {}
        for i in range(n):
            buf = ctypes.create_string_buffer(65536)
            req = struct.pack('IIQQQ', 32, 0, ids[i], 0x2 | 0x8 | 0x10 | 0x20, ns)
            if libc.syscall(457, req, buf, 65536, 0) < 0:
                sys.exit('statmount: ' + os.strerror(ctypes.get_errno()))
            raw = buf.raw
            s = lambda off: raw[512 + off:].split(b'\\0', 1)[0].decode()
            fs_type, = struct.unpack_from('I', raw, 36)
            mnt, parent = struct.unpack_from('QQ', raw, 40)
            root, point = struct.unpack_from('II', raw, 104)
            mounts[mnt] = (parent, s(fs_type) + ' ' + s(root) + ' ' + s(point))
        def name(mnt):
            parent, own = mounts[mnt]
            return own if parent == mnt or parent not in mounts else own + ' on ' + name(parent)
        for i in range(n):
            print(name(ids[i]))
        """;

    private Path dir;
    private Path berth;
    private Path runc;
    private Map<String, Object> base;

    @BeforeEach
    @SuppressWarnings("unchecked")
    void setUp() throws Exception {
        assumeTrue(Host.isRoot(), "containers need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runc")), "runc is the oracle: apt-get install runc");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/keyctl")), "keyctl shows the keyring: apt-get install keyutils");
        dir = OciConsumers.newDir();
        berth = OciConsumers.berthRuntime(dir);
        runc = OciConsumers.runc(dir);
        Path b = Files.createDirectories(dir.resolve("base"));
        ok(runc, "spec", "--bundle", b.toString());
        base = Json.parseObject(Files.readString(b.resolve("config.json")));
        Map<String, Object> p = Json.map(base, "process");
        p.put("terminal", false);
        Map<String, Object> caps = Json.map(p, "capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            List<Object> l = new ArrayList<>((List<Object>) caps.get(set));
            l.add("CAP_SYS_CHROOT"); // for the escape probe
            caps.put(set, l);
        }
        Json.map(base, "root").put("readonly", false);
        List<Object> mounts = new ArrayList<>((List<Object>) base.get("mounts"));
        mounts.add(Map.of("destination", "/usr", "type", "bind", "source", "/usr", "options", List.of("rbind", "ro")));
        base.put("mounts", mounts);
        Files.writeString(dir.resolve("escape.py"), ESCAPE);
        Files.writeString(dir.resolve("listmount.py"), LISTMOUNT);
        Files.writeString(dir.resolve("marker"), "the host's\n");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (dir != null) {
            OciConsumers.cleanUp(dir);
        }
    }

    /**
     * Every process of a container in a keyring of its own, {@code _ses.ID}, made searchable so
     * that exec (any user) joins the same; with {@code --no-new-keyring} the caller's, for exec
     * too. As runc, which is asked the same on the same bundle.
     */
    @Test
    void sessionKeyringAsRunc() throws Exception {
        String callers = sh("keyctl", "id", "@s");
        Map<String, List<String>> seen = new TreeMap<>();
        for (Path runtime : List.of(runc, berth)) {
            String name = runtime.getFileName().toString();
            String id = name.equals("runc") ? "kr" : "kb";
            List<String> o = new ArrayList<>();
            Path bundle = bundle(name, List.of("/usr/bin/keyctl", "rdescribe", "@s"));
            o.add(ok(runtime, "run", "--bundle", bundle.toString(), id).strip().replace(id, "ID"));

            bundle(name, List.of("sh", "-c", "/usr/bin/keyctl id @s >/tmp/init.id; exec sleep 1000"));
            for (boolean own : List.of(true, false)) {
                Path initId = bundle.resolve("rootfs/tmp/init.id");
                Files.deleteIfExists(initId);
                List<String> run = new ArrayList<>(List.of("run", "-d", "--bundle", bundle.toString()));
                if (!own) {
                    run.add("--no-new-keyring");
                }
                run.add(id);
                ok(runtime, run.toArray(String[]::new));
                OciConsumers.waitFor("the keyring id", () -> Files.exists(initId) && Files.size(initId) > 0);
                String init = Files.readString(initId).strip();
                String exec = ok(runtime, "exec", id, "/usr/bin/keyctl", "id", "@s").strip();
                String user = ok(runtime, "exec", "--user", "1000:1000", id, "/usr/bin/keyctl", "id", "@s").strip();
                assertEquals(init, exec, name + ": exec joins the container's keyring");
                if (own) {
                    assertNotEquals(callers, init, name + ": a keyring of its own");
                    assertEquals(init, user, name + ": a user's exec finds it too (searchable)");
                } else {
                    assertEquals(callers, init, name + ": --no-new-keyring keeps the caller's");
                }
                // without a keyring of its own, another user's @s is that user's default (_uid_ses.1000)
                o.add((own ? "own" : "caller's") + (init.equals(callers) ? " = caller's" : " != caller's")
                    + (user.equals(init) ? ", the user's exec in it" : ", the user's exec not"));
                ok(runtime, "delete", "-f", id);
            }
            seen.put(name, o);
        }
        assertEquals(seen.get("runc"), seen.get("berth-runtime"));
        assertEquals("keyring;0;0;3f1b0000;_ses.ID", seen.get("berth-runtime").get(0),
            "runc's name, and KEY_USR_SEARCH added to the kernel's default");
    }

    /**
     * {@code --no-pivot}: the root is the bundle's, seen from outside as with pivot_root, the
     * escape by ".." fails from the first process and from an exec, the old root stays below in
     * the mount namespace without the host's proc and sysfs, as with runc.
     */
    @Test
    void noPivotMovesTheRootAsRunc() throws Exception {
        // the probe can see an escape: a plain chroot into the same rootfs is left by it
        String control = sh("python3", "-c", "import os; probe = open('" + dir.resolve("escape.py") + "').read(); os.chroot('"
            + bundleRoot("runc") + "'); exec(probe)", dir.resolve("marker").toString());
        Map<String, List<String>> mounts = new TreeMap<>();
        for (Path runtime : List.of(runc, berth)) {
            String name = runtime.getFileName().toString();
            Path bundle = bundle(name, List.of("/usr/bin/python3", "/probe/escape.py", dir.resolve("marker").toString()));
            assertEquals("in", ok(runtime, "run", "--no-pivot", "--bundle", bundle.toString(), "e").strip(),
                name + ": the first process stays inside");
            bundle(name, List.of("sleep", "1000"));
            for (boolean noPivot : List.of(true, false)) {
                Path pidFile = bundle.resolve("pid");
                ok(runtime, noPivot ? new String[] {"run", "-d", "--no-pivot", "--bundle", bundle.toString(),
                    "--pid-file", pidFile.toString(), "p"} : new String[] {"run", "-d", "--bundle",
                    bundle.toString(), "--pid-file", pidFile.toString(), "p"});
                long pid = Long.parseLong(Files.readString(pidFile).strip());
                Path root = Path.of("/proc/" + pid + "/root");
                assertEquals(Path.of("/"), Files.readSymbolicLink(root));
                assertEquals(Files.getAttribute(bundle.resolve("rootfs"), "unix:ino"), Files.getAttribute(root, "unix:ino"));
                assertEquals(Files.getAttribute(bundle.resolve("rootfs"), "unix:dev"), Files.getAttribute(root, "unix:dev"));
                assertTrue(Files.exists(root.resolve("probe/escape.py")));
                assertEquals("in", ok(runtime, "exec", "p", "/usr/bin/python3", "/probe/escape.py",
                    dir.resolve("marker").toString()).strip(), name + ": an exec stays inside");
                OciConsumers.Result lm = OciConsumers.run(dir, Map.of(), null,
                    List.of("python3", dir.resolve("listmount.py").toString(), Long.toString(pid)));
                assumeTrue(lm.code() != 77, "listmount(2) of another mount namespace needs Linux 6.11");
                assertEquals(0, lm.code(), lm.toString());
                List<String> outside = outsideRoot(lm.out(), bundle.resolve("rootfs"));
                if (noPivot) {
                    mounts.put(name, outside);
                    String top = hostRoot();
                    assertTrue(outside.stream().anyMatch(m -> own(m).equals(top)),
                        name + ": the old root stays below: " + outside);
                } else {
                    assertEquals(List.of(), outside, name + ": pivot_root detached the old root");
                }
                ok(runtime, "delete", "-f", "p");
            }
        }
        assertEquals("out", control, "the probe finds its way out of a plain chroot");
        assertEquals(mounts.get("runc"), mounts.get("berth-runtime"));
        for (String m : mounts.get("berth-runtime")) {
            assertFalse(m.startsWith("proc / ") || m.startsWith("sysfs / "),
                "the host's proc and sysfs are gone from the namespace: " + m);
        }
    }

    /**
     * {@code --no-pivot} in a user namespace: the host's mounts came into the container's mount
     * namespace locked (a namespace of a less privileged user namespace may not uncover what it
     * was given), so the host's proc and sysfs cannot be detached and are covered by an empty
     * tmpfs each, as runc does; the root is the bundle's and the escape fails as without one.
     */
    @Test
    void noPivotInAUserNamespaceCoversTheHostsProcAndSysfsAsRunc() throws Exception {
        Map<String, List<String>> seen = new TreeMap<>();
        String marker = dir.resolve("marker").toString();
        for (Path runtime : List.of(runc, berth)) {
            String name = runtime.getFileName().toString();
            Path bundle = bundle(name + "-userns", List.of("/usr/bin/python3", "/probe/escape.py", marker), true);
            assertEquals("in", ok(runtime, "run", "--no-pivot", "--bundle", bundle.toString(), "e").strip(),
                name + ": the first process stays inside");
            bundle(name + "-userns", List.of("sleep", "1000"), true);
            Path pidFile = bundle.resolve("pid");
            ok(runtime, "run", "-d", "--no-pivot", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "u");
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            assertNotEquals(Host.ownNs("user"), Host.ns(pid, "user"), name + ": a user namespace of its own");
            assertEquals(List.of("0", "100000", "65536"),
                List.of(Files.readString(Path.of("/proc/" + pid + "/uid_map")).strip().split("\\s+")));
            Path root = Path.of("/proc/" + pid + "/root");
            assertEquals(Files.getAttribute(bundle.resolve("rootfs"), "unix:ino"), Files.getAttribute(root, "unix:ino"));
            assertEquals(Files.getAttribute(bundle.resolve("rootfs"), "unix:dev"), Files.getAttribute(root, "unix:dev"));
            assertEquals("in", ok(runtime, "exec", "u", "/usr/bin/python3", "/probe/escape.py", marker).strip(),
                name + ": an exec stays inside");
            OciConsumers.Result lm = OciConsumers.run(dir, Map.of(), null,
                List.of("python3", dir.resolve("listmount.py").toString(), Long.toString(pid)));
            assumeTrue(lm.code() != 77, "listmount(2) of another mount namespace needs Linux 6.11");
            assertEquals(0, lm.code(), lm.toString());
            List<String> outside = outsideRoot(lm.out(), bundle.resolve("rootfs"));
            String top = hostRoot();
            assertTrue(outside.stream().anyMatch(m -> own(m).equals(top)), name + ": the old root stays below");
            List<String> covers = new ArrayList<>();
            for (String m : outside) {
                if (m.startsWith("proc / ") || m.startsWith("sysfs / ")) {
                    covers.add("tmpfs / " + own(m).split(" ")[2] + " on " + m);
                }
            }
            assertFalse(covers.isEmpty(), name + ": the host's proc and sysfs stay, locked: " + outside);
            List<String> onOutside = new ArrayList<>();
            for (String m : lm.out().strip().split("\n")) {
                if (!outside.contains(m) && outside.contains(m.substring(m.indexOf(" on ") + 4))) {
                    onOutside.add(m); // mounted on the old root's mounts: the container's root, and the covers
                }
            }
            assertEquals(1 + covers.size(), onOutside.size(), name + ": " + onOutside);
            assertTrue(onOutside.containsAll(covers), name + ": each covered by a tmpfs: " + onOutside);
            List<String> both = new ArrayList<>(outside);
            both.addAll(covers);
            seen.put(name, both);
            ok(runtime, "delete", "-f", "u");
        }
        assertEquals(seen.get("runc"), seen.get("berth-runtime"));
    }

    /** A line of the listing without what the mount is mounted on. */
    private static String own(String line) {
        int on = line.indexOf(" on ");
        return on < 0 ? line : line.substring(0, on);
    }

    /**
     * The mounts of a listing that are not the container's own: the container's root is the
     * mount whose root is the rootfs directory (its mount point "/"), and its own mounts follow it.
     */
    private static List<String> outsideRoot(String listing, Path rootfs) throws Exception {
        List<String> out = new ArrayList<>();
        String rootLine = null;
        for (String line : listing.strip().split("\n")) {
            String[] f = own(line).split(" ");
            if (rootLine == null && f.length == 3 && f[2].equals("/") && rootfs.toRealPath().toString().endsWith(f[1])
                && !f[1].equals("/")) {
                rootLine = line;
                break;
            }
            out.add(line);
        }
        assertTrue(rootLine != null, "the container's root in " + listing);
        return out;
    }

    /** The host's root mount as the listing shows it: fstype, root, mount point. */
    private static String hostRoot() throws Exception {
        String top = null; // the last mount on / is the one on top
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f[4].equals("/")) {
                top = f[List.of(f).indexOf("-") + 1] + " " + f[3] + " /";
            }
        }
        assertTrue(top != null, "no / in mountinfo");
        return top;
    }

    private Path bundleRoot(String name) throws Exception {
        return bundle(name, List.of("true")).resolve("rootfs");
    }

    private Path bundle(String name, List<String> args) throws Exception {
        return bundle(name, args, false);
    }

    /**
     * A bundle of busybox and the host's /usr that runs {@code args}; with {@code userns} in a
     * user namespace of its own, root mapped to 100000, which owns the rootfs.
     */
    @SuppressWarnings("unchecked")
    private Path bundle(String name, List<String> args, boolean userns) throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("bundles").resolve(name));
        Path rootfs = bundle.resolve("rootfs");
        if (!Files.exists(rootfs)) {
            Process p = new ProcessBuilder("cp", "-a", Rootfs.busybox().toString(), rootfs.toString()).inheritIO().start();
            assertEquals(0, p.waitFor());
            // the host's /usr is bound in: its programs find their libraries as on the host
            Files.createSymbolicLink(rootfs.resolve("lib"), Path.of("usr/lib"));
            Files.createSymbolicLink(rootfs.resolve("lib64"), Path.of("usr/lib64"));
            Files.createDirectories(rootfs.resolve("usr"));
            Files.createDirectories(rootfs.resolve("probe"));
            Files.copy(dir.resolve("escape.py"), rootfs.resolve("probe/escape.py"));
            if (userns) {
                Process p2 = new ProcessBuilder("chown", "-R", "-h", "100000:100000", rootfs.toString()).inheritIO().start();
                assertEquals(0, p2.waitFor());
            }
        }
        Map<String, Object> c = Json.parseObject(Json.compact(base));
        Json.map(c, "process").put("args", args);
        if (userns) {
            Map<String, Object> linux = Json.map(c, "linux");
            List<Object> namespaces = new ArrayList<>((List<Object>) linux.get("namespaces"));
            namespaces.add(Map.of("type", "user"));
            linux.put("namespaces", namespaces);
            List<Object> map = List.of(Map.of("containerID", 0, "hostID", 100000, "size", 65536));
            linux.put("uidMappings", map);
            linux.put("gidMappings", map);
        }
        Json.map(c, "linux").put("cgroupsPath", "/" + dir.getFileName() + "/" + name);
        Files.writeString(bundle.resolve("config.json"), Json.pretty(c));
        return bundle;
    }

    private String ok(Path runtime, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(runtime.toString()));
        cmd.addAll(List.of(args));
        OciConsumers.Result r = OciConsumers.run(dir, Map.of(), null, cmd);
        assertEquals(0, r.code(), () -> runtime.getFileName() + " " + String.join(" ", args) + ": " + r);
        return r.out();
    }

    private static String sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }
}
