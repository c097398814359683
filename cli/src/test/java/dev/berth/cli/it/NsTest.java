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
import java.util.Set;
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
        // nsenter's own spelling, -t PID and one letter a kind, lands in the same inodes, each flag alone
        String probe = "for k in mnt net uts ipc cgroup pid_for_children; do readlink /proc/self/ns/$k; done; hostname";
        for (String flag : new String[] {"-m", "-n", "-u", "-i", "-C", "-p", "-a"}) {
            String o = berth.ok("ns", "enter", "-t", Long.toString(pid), flag, "sh", "-c", probe);
            String t = run("nsenter", "-t", Long.toString(pid), flag, "sh", "-c", probe);
            assertEquals(t, o, flag);
        }
        Berth.Result wrongKind = berth.run("ns", "enter", "--uts", "/proc/" + pid + "/ns/net", "true");
        assertEquals(125, wrongKind.code());
        assertTrue(wrongKind.err().contains("is a net namespace"), wrongKind.err());
        assertEquals(3, berth.run("ns", "enter", "-t", "e", "-n", "sh", "-c", "exit 3").code(), "the command's status");
        // nsenter's --KIND=FILE, with no target and beside one (then only the kinds named)
        String files = "--net=/proc/" + pid + "/ns/net";
        String uts = "--uts=/proc/" + pid + "/ns/uts";
        String probe2 = "readlink /proc/self/ns/net /proc/self/ns/uts /proc/self/ns/ipc; hostname";
        assertEquals(run("nsenter", files, uts, "sh", "-c", probe2), berth.ok("ns", "enter", files, uts, "sh", "-c", probe2));
        assertEquals(run("nsenter", "-t", Long.toString(pid), "-i", files, "sh", "-c", probe2),
            berth.ok("ns", "enter", "-t", Long.toString(pid), "-i", files, "sh", "-c", probe2));
        Berth.Result wrongFile = berth.run("ns", "enter", "--uts=/proc/" + pid + "/ns/net", "true");
        assertEquals(125, wrongFile.code());
        assertEquals("berth: /proc/" + pid + "/ns/net is a net namespace: --uts= takes a uts namespace file",
            wrongFile.err().strip());
        assertEquals(125, berth.run("ns", "enter", "--net=/nonexistent/ns", "true").code(), "no such file: berth's own failure");
    }

    @Test
    void enterAUserNamespaceAsNsenterDoes() throws Exception {
        Process users = sleeper("unshare", "--user", "--map-root-user", "--uts", "sleep", "60");
        try {
            String probe = "readlink /proc/self/ns/user /proc/self/ns/uts; id -u";
            String t = run("nsenter", "-t", Long.toString(users.pid()), "-U", "-u", "sh", "-c", probe);
            assertEquals(t, berth.ok("ns", "enter", "-t", Long.toString(users.pid()), "-U", "-u", "sh", "-c", probe));
            assertTrue(t.endsWith("0\n"), "root in there: " + t);
        } finally {
            end(users);
        }
    }

    /** Starts a command and waits until its last exec has made it {@code sleep}. */
    private static Process sleeper(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        long deadline = System.currentTimeMillis() + 10_000;
        Path comm = Path.of("/proc/" + p.pid() + "/comm");
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(comm) && Files.readString(comm).strip().equals("sleep")) {
                return p;
            }
            Thread.sleep(20);
        }
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", cmd) + " did not get to sleep: "
            + new String(p.getInputStream().readAllBytes()));
    }

    /** The pid of the {@code sleep} among the descendants of {@code p} ({@code unshare --fork} forks). */
    private static long sleeping(Process p) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            for (ProcessHandle h : p.descendants().toList()) {
                Path comm = Path.of("/proc/" + h.pid() + "/comm");
                if (Files.exists(comm) && Files.readString(comm).strip().equals("sleep")) {
                    return h.pid();
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no sleep under " + p.pid());
    }

    private static void end(Process... ps) throws Exception {
        for (Process p : ps) {
            if (p != null) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void treeParentsAreWhatLsnsReadsWithIoctlNs() throws Exception {
        // two user namespaces, one inside the other, the outer one without a process; and two
        // PID namespaces, one inside the other (unshare --fork: the inner unshare is the middle's PID 1)
        Process users = sleeper("unshare", "--user", "--map-root-user", "unshare", "--user", "--map-root-user",
            "sleep", "60");
        Process pids = new ProcessBuilder("unshare", "--pid", "--fork", "unshare", "--pid", "--fork", "sleep", "60").start();
        try {
            long inner = inode(users.pid(), "user");
            long top = inode(ProcessHandle.current().pid(), "user");
            long innerPid = inode(sleeping(pids), "pid");
            // lsns reads PNS with NS_GET_PARENT: the oracle for both kinds
            Map<Long, Long> lsnsParent = new HashMap<>();
            for (Map<String, Object> n : list(run("lsns", "-J", "-o", "NS,TYPE,PNS"), "namespaces")) {
                lsnsParent.put(((Number) n.get("ns")).longValue(), ((Number) n.get("pns")).longValue());
            }
            List<Object> roots = (List<Object>) Json.parse(berth.ok("ns", "tree", "--json"));
            Map<Long, Long> berthParent = new HashMap<>();
            for (Object r : roots) {
                parents((Map<String, Object>) r, 0, berthParent);
            }
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
            assertEquals(lsnsParent.get(inner), path.get(1), "the inner user namespace's parent, as lsns reads it");
            long middlePid = lsnsParent.get(innerPid);
            assertEquals(middlePid, berthParent.get(innerPid), "the inner PID namespace hangs under its parent");
            assertEquals(lsnsParent.get(middlePid), berthParent.get(middlePid), "and that one under the host's");
            String dot = berth.ok("ns", "tree", "--dot");
            assertTrue(dot.startsWith("digraph"), dot);
            assertTrue(dot.contains("n" + middlePid + " -> n" + innerPid + " [label=\"parent\"]"), "the PID edge in the graph");
            assertTrue(dot.contains("n" + path.get(1) + " -> n" + inner + " [label=\"parent\"]"), "the user edge in the graph");
        } finally {
            end(users, pids);
        }
    }

    /** Every user and PID namespace of the JSON tree with the node it hangs under (0 for a root). */
    @SuppressWarnings("unchecked")
    private static void parents(Map<String, Object> node, long up, Map<Long, Long> out) {
        long ns = ((Number) node.get("ns")).longValue();
        out.put(ns, up);
        for (Object c : (List<Object>) node.get("children")) {
            parents((Map<String, Object>) c, ns, out);
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
        // a network namespace of the test's own, for the far end of a veth pair: when the kept
        // namespace is freed, the kernel destroys the pair, and the far end goes from here
        Process holder = sleeper("unshare", "--net", "sleep", "60");
        String net = berth.ok("ns", "unshare", "--net", "--uts", "--persist", keep.toString(), "sh", "-c",
            "hostname kept; readlink /proc/self/ns/net").strip();
        try {
            // no process is left in it, and it lives on: berth and nsenter find the same namespace
            assertEquals(net, berth.ok("ns", "enter", keep.resolve("net").toString(), "readlink", "/proc/self/ns/net").strip());
            assertEquals(net, run("nsenter", "--net=" + keep.resolve("net"), "readlink", "/proc/self/ns/net").strip());
            assertEquals("kept", berth.ok("ns", "enter", keep.resolve("uts").toString(), "hostname").strip());
            assertTrue(berth.ok("ns", "ls", "-t", "net").contains("[mount " + keep.resolve("net") + "]"));
            berth.ok("ns", "enter", keep.resolve("net").toString(), "ip", "link", "add", "kept0", "type", "veth",
                "peer", "name", "far0", "netns", Long.toString(holder.pid()));
            String far = "nsenter --net=/proc/" + holder.pid() + "/ns/net ip -o link show far0";
            assertEquals(0, new ProcessBuilder("sh", "-c", far).start().waitFor(), "the far end is there");
            Berth.Result again = berth.run("ns", "unshare", "--net", "--persist", keep.toString(), "true");
            assertEquals(125, again.code(), "a namespace is kept there already");
            assertTrue(again.err().contains("already keeps a namespace"), again.err());
            run("umount", keep.resolve("net").toString());
            run("umount", keep.resolve("uts").toString());
            long deadline = System.currentTimeMillis() + 10_000; // the kernel frees a netns in a worker
            while (new ProcessBuilder("sh", "-c", far + " 2>/dev/null").start().waitFor() == 0
                && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(new ProcessBuilder("sh", "-c", far + " 2>/dev/null").start().waitFor() != 0,
                "freed once unmounted: the kernel removed the veth pair with the namespace");
            // (not "berth no longer lists the inode": the kernel hands a freed inode to the next new namespace)
        } finally {
            new ProcessBuilder("umount", keep.resolve("net").toString()).start().waitFor();
            new ProcessBuilder("umount", keep.resolve("uts").toString()).start().waitFor();
            end(holder);
        }
        assertEquals("1", berth.ok("ns", "unshare", "--pid", "--mount", "--mount-proc", "sh", "-c", "echo $$").strip());
        assertTrue(berth.ok("ns", "unshare", "--pid", "--mount", "--mount-proc", "ps", "-o", "pid=").strip().equals("1"));
        assertEquals("1", berth.ok("ns", "unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", "echo $$").strip(),
            "--mount-proc implies --mount, --fork is accepted");
        assertEquals(run("unshare", "--user", "sh", "-c", "id; grep Cap /proc/self/status"),
            berth.ok("ns", "unshare", "--user", "sh", "-c", "id; grep Cap /proc/self/status"),
            "--user alone: unmapped ids, as unshare(1) leaves them");
        String map = berth.ok("ns", "unshare", "--map-root-user", "cat", "/proc/self/uid_map").strip();
        assertEquals(List.of("0", Long.toString(0), "1"), List.of(map.split("\\s+")));
        // each kind unshared is a new one, checked against the caller's inodes
        long self = ProcessHandle.current().pid();
        for (String[] kind : new String[][] {{"--user", "user"}, {"--mount", "mnt"}, {"--pid", "pid"}, {"--net", "net"},
            {"--uts", "uts"}, {"--ipc", "ipc"}, {"--cgroup", "cgroup"}, {"--time", "time"}}) {
            String link = berth.ok("ns", "unshare", kind[0], "readlink", "/proc/self/ns/" + kind[1]).strip();
            assertTrue(!link.equals(kind[1] + ":[" + inode(self, kind[1]) + "]"), kind[0] + " made a new one: " + link);
        }
        Berth.Result none = berth.run("ns", "unshare", "true");
        assertEquals(125, none.code());
        assertTrue(none.err().contains("no namespace to unshare"), none.err());
        Berth.Result notDir = berth.run("ns", "unshare", "--net", "--persist", "/nonexistent", "true");
        assertEquals(125, notDir.code());
        assertTrue(notDir.err().contains("not a directory"), notDir.err());
    }

    @Test
    void aFailedPersistLeavesNoMountAndNoFile() throws Exception {
        // net is kept first; uts fails (its place is a directory): the net mount must go again
        Path keep = Files.createDirectory(berth.root().resolve("keep2"));
        Files.createDirectory(keep.resolve("uts"));
        Berth.Result r = berth.run("ns", "unshare", "--net", "--uts", "--persist", keep.toString(), "true");
        assertEquals(125, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        try (var files = Files.list(keep)) {
            assertEquals(List.of(keep.resolve("uts")), files.toList(), "only what was there before");
        }
        assertTrue(!Files.readString(Path.of("/proc/self/mountinfo")).contains(keep.toString()), "no mount left");
    }

    @Test
    @SuppressWarnings("unchecked")
    void limitsAreTheKernelsSysctlsAndCountPerUser() throws Exception {
        String uid = Integer.toString(54000 + (int) (ProcessHandle.current().pid() % 900)); // nobody else's
        String other = Integer.toString(Integer.parseInt(uid) + 1);
        String[] as = {"setpriv", "--reuid", uid, "--regid", uid, "--clear-groups"};
        // uid makes user namespace U1, and in it U2 with a uts and a net namespace: the kernel
        // charges all of them to uid at the host's level (U2 and its namespaces as U1's owner's)
        Process nested = sleeper(concat(as, "unshare", "--user", "--map-root-user",
            "unshare", "--user", "--uts", "--net", "sleep", "60"));
        Process plain = null;
        Process handed = null;
        try {
            plain = sleeper(concat(as, "unshare", "--user", "sleep", "60"));
            // root makes an ipc namespace and becomes another uid in it: the kernel charged root,
            // and berth can only count it for the uid of its process, saying so (estimated)
            handed = sleeper("unshare", "--ipc", "setpriv", "--reuid", other, "--regid", other, "--clear-groups",
                "sleep", "60");
            Map<String, Object> out = Json.parseObject(berth.ok("ns", "limits", "--json"));
            assertEquals(inode(ProcessHandle.current().pid(), "user"), ((Number) out.get("userns")).longValue());
            Map<String, Map<String, Object>> mine = new HashMap<>();
            Map<String, Map<String, Object>> theirs = new HashMap<>();
            for (Map<String, Object> l : (List<Map<String, Object>>) out.get("limits")) {
                String type = (String) l.get("type");
                Process cat = new ProcessBuilder("cat", "/proc/sys/user/max_" + type + "_namespaces").start();
                long want = Long.parseLong(new String(cat.getInputStream().readAllBytes()).strip());
                assertEquals(0, cat.waitFor());
                assertEquals(want, ((Number) l.get("limit")).longValue(), type);
                for (Map<String, Object> u : (List<Map<String, Object>>) l.get("users")) {
                    Object id = u.get("uid");
                    if (id != null && id.toString().equals(uid)) {
                        mine.put(type, u);
                    } else if (id != null && id.toString().equals(other)) {
                        theirs.put(type, u);
                    }
                }
            }
            assertEquals(Set.of("user", "uts", "net"), mine.keySet(), "uid's namespaces: " + mine);
            assertEquals(3, ((Number) mine.get("user").get("inUse")).intValue(), "U1 (no process), U2 and plain's");
            assertEquals(1, ((Number) mine.get("uts").get("inUse")).intValue());
            assertEquals(1, ((Number) mine.get("net").get("inUse")).intValue());
            for (Map<String, Object> u : mine.values()) {
                assertEquals(0, ((Number) u.get("estimated")).intValue(), "owners read from the kernel: " + u);
            }
            assertEquals(Set.of("ipc"), theirs.keySet(), "only the ipc namespace, by its process: " + theirs);
            assertEquals(1, ((Number) theirs.get("ipc").get("inUse")).intValue());
            assertEquals(1, ((Number) theirs.get("ipc").get("estimated")).intValue(), "and marked as estimated");
            String table = berth.ok("ns", "limits");
            assertTrue(table.startsWith("TYPE "), table);
            assertTrue(table.lines().anyMatch(l -> l.matches("user\\s+\\d+\\s+" + uid + "\\s+\\S+\\s+3\\s+\\d+\\s+0")), table);
        } finally {
            end(nested, plain, handed);
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
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
        Berth.Result noFile = berth.run("ns", "enter", "/run/netns/berth-no-such-ns", "true");
        assertEquals(125, noFile.code());
        assertTrue(noFile.err().contains("no such namespace file"), noFile.err());
        Berth.Result noTarget = berth.run("ns", "enter", "-t", "999999999", "true");
        assertEquals(125, noTarget.code());
        assertTrue(noTarget.err().contains("no such process"), noTarget.err());
        Berth.Result diffGone = berth.run("ns", "diff", "999999999", "1");
        assertEquals(125, diffGone.code(), "not 1: that means they differ");
        // permission denied: root without capabilities may not read another uid's namespaces
        Process other = sleeper("setpriv", "--reuid", "54998", "--regid", "54998", "--clear-groups", "sleep", "60");
        Berth.Result denied;
        try {
            List<String> cmd = new ArrayList<>(List.of("setpriv", "--bounding-set=-all", "--inh-caps=-all"));
            cmd.addAll(berth.command("ns", "inspect", Long.toString(other.pid())));
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes());
            String err = new String(p.getErrorStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            denied = new Berth.Result(p.exitValue(), out, err);
        } finally {
            end(other);
        }
        assertEquals(1, denied.code(), denied.err());
        assertTrue(denied.err().contains("permission denied"), denied.err());
        for (Berth.Result r : new Berth.Result[] {noPid, notNs, noContainer, noFile, noTarget, diffGone, denied}) {
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("berth: "), r.err());
        }
    }

    @Test
    void everyCommandHasHelpWithExamples() throws Exception {
        for (String cmd : new String[] {"ls", "tree", "inspect", "diff", "enter", "unshare", "limits"}) {
            Berth.Result r = berth.run("ns", cmd, "--help");
            assertEquals(0, r.code(), cmd);
            assertTrue(r.out().contains("Examples:\n  berth ns " + cmd), cmd + ": " + r.out());
        }
        for (String cmd : new String[] {"list", "add", "attach", "set", "delete", "identify", "pids", "exec"}) {
            Berth.Result r = berth.run("netns", cmd, "--help");
            assertEquals(0, r.code(), cmd);
            assertTrue(r.out().contains("Examples:\n  berth netns "), cmd + ": " + r.out());
        }
        assertTrue(!Files.exists(Path.of("/run/netns/--help")), "--help is no name");
    }
}
