package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** berth ns, checked against lsns, nsenter, unshare and /proc on the same machine. */
class NsTest extends ContainerTestBase {
    private static final String[] KINDS = {"user", "mnt", "pid", "net", "uts", "ipc", "cgroup", "time"};

    private static long inode(long pid, String kind) throws Exception {
        String link = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + kind)).toString();
        return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(String json, String key) throws Exception {
        return (List<Map<String, Object>>) Json.parseObject(json).get(key);
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    @Test
    void lsFindsWhatLsnsFindsAndNamesTheContainer() throws Exception {
        berth.ok("run", "-d", "--name", "nsbox", "--rootfs", busybox(), "sleep", "60");
        long pid = Host.pid(berth, "nsbox");
        List<Map<String, Object>> theirs = list(run("lsns", "-J"), "namespaces");
        List<Map<String, Object>> ours = list(berth.ok("ns", "ls", "--json"), "namespaces");
        Map<Long, Map<String, Object>> byInode = new HashMap<>();
        for (Map<String, Object> n : ours) {
            byInode.put(((Number) n.get("ns")).longValue(), n);
        }
        int compared = 0;
        for (Map<String, Object> t : theirs) {
            long ns = ((Number) t.get("ns")).longValue();
            long lowest = ((Number) t.get("pid")).longValue();
            if (!Files.exists(Path.of("/proc/" + lowest))) {
                continue; // a process that came and went between the two scans
            }
            Map<String, Object> o = byInode.get(ns);
            assertNotNull(o, "lsns lists " + t + " and berth does not");
            assertEquals(t.get("type"), o.get("type"));
            compared++;
        }
        assertTrue(compared >= 8, "at least the eight namespaces of the host");
        for (String kind : new String[] {"mnt", "pid", "net", "uts", "ipc", "cgroup"}) {
            Map<String, Object> o = byInode.get(inode(pid, kind));
            assertNotNull(o, kind + " namespace of the container");
            assertEquals(1, ((Number) o.get("nprocs")).intValue());
            assertEquals(pid, ((Number) o.get("pid")).longValue());
            assertEquals("nsbox", o.get("container"));
        }
        String table = berth.ok("ns", "ls", "-t", "net");
        assertTrue(table.startsWith("NS "), table);
        assertTrue(table.contains(Long.toString(inode(pid, "net"))), table);
        assertTrue(!table.contains(" mnt "), "only net namespaces with -t net");
    }

    @Test
    @SuppressWarnings("unchecked")
    void inspectAndDiffCompareInodes() throws Exception {
        berth.ok("run", "-d", "--name", "a", "--rootfs", busybox(), "sleep", "60");
        long pid = Host.pid(berth, "a");
        long self = ProcessHandle.current().pid();
        for (Map<String, Object> n : list(berth.ok("ns", "inspect", "--json", "a"), "namespaces")) {
            String kind = (String) n.get("type");
            assertEquals(inode(pid, kind), ((Number) n.get("ns")).longValue(), kind);
        }
        Berth.Result diff = berth.run("ns", "diff", "--json", "a", Long.toString(self));
        assertEquals(1, diff.code(), "they differ: exit 1, like diff(1)");
        for (Map<String, Object> n : list(diff.out(), "namespaces")) {
            String kind = (String) n.get("type");
            assertEquals(inode(pid, kind) == inode(self, kind), n.get("shared"), kind);
        }
        assertEquals(0, berth.run("ns", "diff", "a", Long.toString(pid)).code(), "a process shares all with itself");
    }

    @Test
    void enterLandsWhereNsenterLands() throws Exception {
        berth.ok("run", "-d", "--name", "e", "-h", "inside", "--rootfs", busybox(), "sleep", "60");
        long pid = Host.pid(berth, "e");
        String ours = berth.ok("ns", "enter", "--net", "--uts", "e", "sh", "-c",
            "readlink /proc/self/ns/net /proc/self/ns/uts /proc/self/ns/mnt; hostname");
        String theirs = run("nsenter", "-t", Long.toString(pid), "-n", "-u", "sh", "-c",
            "readlink /proc/self/ns/net /proc/self/ns/uts /proc/self/ns/mnt; hostname");
        assertEquals(theirs, ours);
        assertTrue(ours.endsWith("inside\n"), ours);
        String all = berth.ok("ns", "enter", "e", "readlink", "/proc/self/ns/mnt");
        assertEquals("mnt:[" + inode(pid, "mnt") + "]", all.strip(), "no kind given: every namespace");
        String byFile = berth.ok("ns", "enter", "/proc/" + pid + "/ns/net", "readlink", "/proc/self/ns/net");
        assertEquals("net:[" + inode(pid, "net") + "]", byFile.strip());
    }

    @Test
    @SuppressWarnings("unchecked")
    void treeFollowsNestedUserNamespaces() throws Exception {
        // two user namespaces, one inside the other; the outer one keeps no process
        Process nested = new ProcessBuilder("unshare", "--user", "--map-root-user",
            "unshare", "--user", "--map-root-user", "sleep", "60").start();
        try {
            long pid = nested.pid();
            long deadline = System.currentTimeMillis() + 10_000;
            while (!Files.readString(Path.of("/proc/" + pid + "/comm")).strip().equals("sleep")
                && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            long inner = inode(pid, "user");
            long top = inode(ProcessHandle.current().pid(), "user");
            List<Object> roots = (List<Object>) Json.parse(berth.ok("ns", "tree", "--json"));
            Map<String, Object> found = null;
            for (Object r : roots) {
                found = found != null ? found : find((Map<String, Object>) r, inner, new ArrayList<>());
            }
            assertNotNull(found, "the inner user namespace is in the tree");
            List<Long> path = new ArrayList<>();
            for (Object r : roots) {
                if (find((Map<String, Object>) r, inner, path) != null) {
                    break;
                }
                path.clear();
            }
            assertEquals(3, path.size(), "top > outer (no process) > inner: " + path);
            assertEquals(top, path.get(0));
            assertEquals(inner, path.get(2));
            assertTrue(berth.ok("ns", "tree", "--dot").startsWith("digraph"));
        } finally {
            nested.destroyForcibly();
            nested.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Depth-first search for a user namespace; fills {@code path} with the user namespaces on the way. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> find(Map<String, Object> node, long ns, List<Long> path) {
        if (!"user".equals(node.get("type"))) {
            return null;
        }
        path.add(((Number) node.get("ns")).longValue());
        if (((Number) node.get("ns")).longValue() == ns) {
            return node;
        }
        for (Object c : (List<Object>) node.get("children")) {
            Map<String, Object> f = find((Map<String, Object>) c, ns, path);
            if (f != null) {
                return f;
            }
        }
        path.remove(path.size() - 1);
        return null;
    }

    @Test
    void unsharePersistsNamespacesAsUnshareDoesAndUnmountingFreesThem() throws Exception {
        Path keep = Files.createDirectory(berth.root().resolve("keep"));
        String net = berth.ok("ns", "unshare", "--net", "--uts", "--persist", keep.toString(), "sh", "-c",
            "hostname kept; readlink /proc/self/ns/net").strip();
        try {
            // no process is left in it, and it lives on: berth and nsenter find the same namespace
            assertEquals(net, berth.ok("ns", "enter", keep.resolve("net").toString(), "readlink", "/proc/self/ns/net").strip());
            assertEquals(net, run("nsenter", "--net=" + keep.resolve("net"), "readlink", "/proc/self/ns/net").strip());
            assertEquals("kept", berth.ok("ns", "enter", keep.resolve("uts").toString(), "hostname").strip());
            long ino = Long.parseLong(net.substring(net.indexOf('[') + 1, net.indexOf(']')));
            assertTrue(berth.ok("ns", "ls", "-t", "net").contains("[mount " + keep.resolve("net") + "]"));
            run("umount", keep.resolve("net").toString());
            run("umount", keep.resolve("uts").toString());
            for (Map<String, Object> n : list(berth.ok("ns", "ls", "--json"), "namespaces")) {
                assertTrue(((Number) n.get("ns")).longValue() != ino, "freed once unmounted");
            }
        } finally {
            new ProcessBuilder("umount", keep.resolve("net").toString()).start().waitFor();
            new ProcessBuilder("umount", keep.resolve("uts").toString()).start().waitFor();
        }
        assertEquals("1", berth.ok("ns", "unshare", "--pid", "--mount", "--mount-proc", "sh", "-c", "echo $$").strip());
        assertTrue(berth.ok("ns", "unshare", "--pid", "--mount", "--mount-proc", "ps", "-o", "pid=").strip().equals("1"));
        String map = berth.ok("ns", "unshare", "--map-root-user", "cat", "/proc/self/uid_map").strip();
        assertEquals(List.of("0", Long.toString(0), "1"), List.of(map.split("\\s+")));
        Berth.Result none = berth.run("ns", "unshare", "true");
        assertEquals(1, none.code());
        assertTrue(none.err().contains("no namespace to unshare"), none.err());
        Berth.Result notDir = berth.run("ns", "unshare", "--net", "--persist", "/nonexistent", "true");
        assertEquals(125, notDir.code());
        assertTrue(notDir.err().contains("not a directory"), notDir.err());
    }

    @Test
    void limitsAreTheKernelsSysctls() throws Exception {
        for (Map<String, Object> l : list(berth.ok("ns", "limits", "--json"), "limits")) {
            String file = "/proc/sys/user/max_" + l.get("type") + "_namespaces";
            // cat, not Files.readString: that reads a sysctl one byte first and gets "9" of "96365"
            Process cat = new ProcessBuilder("cat", file).start();
            long want = Long.parseLong(new String(cat.getInputStream().readAllBytes()).strip());
            assertEquals(0, cat.waitFor());
            assertEquals(want, ((Number) l.get("limit")).longValue());
        }
    }

    @Test
    void badTargetsAreOneClearLine() throws Exception {
        Berth.Result noPid = berth.run("ns", "inspect", "999999999");
        assertEquals(1, noPid.code());
        assertTrue(noPid.err().contains("no such process"), noPid.err());
        Berth.Result notNs = berth.run("ns", "enter", "/etc/hostname", "true");
        assertEquals(125, notNs.code());
        assertTrue(notNs.err().contains("not a namespace file"), notNs.err());
        assertEquals(125, berth.run("ns", "ls", "-t", "bogus").code());
        Berth.Result noContainer = berth.run("ns", "inspect", "nosuchcontainer");
        assertEquals(1, noContainer.code());
        for (Berth.Result r : new Berth.Result[] {noPid, notNs, noContainer}) {
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }
}
