package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Isolation checked from outside, by comparing /proc/PID/ns inodes with the host's. */
class NamespaceTest extends ContainerTestBase {
    private static final List<String> DEFAULT_PRIVATE = List.of("mnt", "pid", "net", "uts", "ipc", "cgroup");
    private static final List<String> DEFAULT_HOST = List.of("user", "time");

    @Test
    void defaultNamespacesArePrivateExceptUserAndTime() throws Exception {
        berth.ok("run", "-d", "--name", "c", "host", "sleep", "60");
        long pid = Host.pid(berth, "c");
        for (String kind : DEFAULT_PRIVATE) {
            assertNotEquals(Host.ownNs(kind), Host.ns(pid, kind), kind + " namespace should be private");
        }
        for (String kind : DEFAULT_HOST) {
            assertEquals(Host.ownNs(kind), Host.ns(pid, kind), kind + " namespace should be the host's");
        }
    }

    @Test
    void hostModesShareTheHostsNamespaces() throws Exception {
        berth.ok("run", "-d", "--name", "c", "--pid", "host", "--net", "host", "--uts", "host",
            "--ipc", "host", "--cgroupns", "host", "host", "sleep", "60");
        long pid = Host.pid(berth, "c");
        for (String kind : List.of("pid", "net", "uts", "ipc", "cgroup")) {
            assertEquals(Host.ownNs(kind), Host.ns(pid, kind), kind);
        }
        assertNotEquals(Host.ownNs("mnt"), Host.ns(pid, "mnt"));
    }

    @Test
    void joinsAnotherContainersNamespacesByNameAndByPath() throws Exception {
        berth.ok("run", "-d", "--name", "a", "host", "sleep", "60");
        long a = Host.pid(berth, "a");
        berth.ok("run", "-d", "--name", "b", "--net", "container:a", "--ipc", "/proc/" + a + "/ns/ipc",
            "--pid", "container:a", "host", "sleep", "60");
        long b = Host.pid(berth, "b");
        for (String kind : List.of("net", "ipc", "pid")) {
            assertEquals(Host.ns(a, kind), Host.ns(b, kind), kind + " should be joined");
        }
        assertNotEquals(Host.ns(a, "uts"), Host.ns(b, "uts"));
        // in a's PID namespace, b's sleep is not PID 1 and a's sleep is visible
        String ps = berth.ok("exec", "b", "ps", "-eo", "pid,args");
        assertTrue(ps.contains("sleep 60"), ps);
    }

    @Test
    void privateUserNamespaceMapsRootToAnUnprivilegedRange() throws Exception {
        berth.ok("run", "-d", "--name", "u", "--userns", "private", "host", "sleep", "60");
        long pid = Host.pid(berth, "u");
        assertNotEquals(Host.ownNs("user"), Host.ns(pid, "user"));
        String[] map = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/uid_map"))
            .strip().split("\\s+");
        assertEquals("0", map[0]);
        assertTrue(Long.parseLong(map[1]) >= 100000, "root must map to an unprivileged uid: " + map[1]);
        assertEquals("65536", map[2]);
        // the host's root-owned files show up as nobody inside, as the seeds describe
        assertEquals("65534 65534", berth.ok("exec", "u", "stat", "-c", "%u %g", "/usr").strip());
        assertEquals("0", berth.ok("exec", "u", "id", "-u").strip());
        // the process really runs as the mapped uid on the host
        String status = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/status"));
        assertTrue(status.contains("Uid:\t" + map[1]), status);
    }

    @Test
    void timeNamespaceShiftsTheMonotonicClock() throws Exception {
        String out = berth.ok("run", "--rm", "--time-offset", "monotonic=86400,boottime=86400", "host",
            "cat", "/proc/uptime");
        double inside = Double.parseDouble(out.split(" ")[0]);
        double host = Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/uptime")).split(" ")[0]);
        assertTrue(inside - host > 86000, "uptime inside " + inside + ", host " + host);
        // the offsets are written before the ids change, so a user namespace does not get in the way
        assertTrue(berth.ok("run", "--rm", "--userns", "private", "--time-offset", "monotonic=500", "host",
            "cat", "/proc/self/timens_offsets").contains("monotonic         500"));
    }

    @Test
    void execJoinsEveryNamespaceOfTheContainer() throws Exception {
        berth.ok("run", "-d", "--name", "c", "--userns", "private", "host", "sleep", "60");
        long pid = Host.pid(berth, "c");
        String links = berth.ok("exec", "c", "sh", "-c",
            "for n in user mnt pid net uts ipc cgroup time; do readlink /proc/self/ns/$n; done");
        String expected = "";
        for (String kind : List.of("user", "mnt", "pid", "net", "uts", "ipc", "cgroup", "time")) {
            expected += Host.ns(pid, kind) + "\n";
        }
        assertEquals(expected, links);
    }
}
