package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** berth run: what the container sees inside, and docker's exit codes. */
class RunTest extends ContainerTestBase {
    @Test
    void commandIsPidOne() throws Exception {
        assertEquals("1", berth.ok("run", "--rm", "host", "sh", "-c", "echo $$").strip());
        assertEquals("1", berth.ok("run", "--rm", "--rootfs", busybox(), "sh", "-c", "echo $$").strip());
    }

    @Test
    void hostnameDefaultsToTheShortIdAndFollowsDashH() throws Exception {
        String id = berth.ok("run", "-d", "host", "sleep", "60").strip();
        assertEquals(64, id.length());
        assertEquals(id.substring(0, 12), berth.ok("exec", id, "hostname").strip());
        assertEquals("box\nbox", berth.ok("run", "--rm", "-h", "box", "host", "sh", "-c",
            "hostname; cat /etc/hostname").strip());
        assertTrue(berth.ok("run", "--rm", "-h", "box", "host", "cat", "/etc/hosts").contains("\tbox\n"));
    }

    @Test
    void networkHasOnlyLoopbackAndItIsUp() throws Exception {
        assertEquals("lo", berth.ok("run", "--rm", "host", "ls", "/sys/class/net").strip());
        String flags = berth.ok("run", "--rm", "host", "cat", "/sys/class/net/lo/flags").strip();
        assertEquals(1, Integer.decode(flags) & 1, "lo must be up: flags " + flags);
    }

    @Test
    void ipcNamespaceIsEmpty() throws Exception {
        String out = berth.ok("run", "--rm", "host", "sh", "-c",
            "cat /proc/sysvipc/shm /proc/sysvipc/msg /proc/sysvipc/sem | wc -l");
        assertEquals("3", out.strip(), "only the three header lines");
    }

    @Test
    void minimalDevAndReadOnlySys() throws Exception {
        String dev = berth.ok("run", "--rm", "host", "ls", "/dev");
        for (String n : new String[] {"null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm", "mqueue"}) {
            assertTrue(dev.contains(n + "\n"), n + " missing from " + dev);
        }
        assertFalse(dev.contains("sda") || dev.contains("vda") || dev.contains("mem\n"), dev);
        berth.run("run", "--rm", "host", "touch", "/sys/x");
        assertEquals(1, berth.run("run", "--rm", "host", "touch", "/sys/kernel/x").code());
        assertEquals(1, berth.run("run", "--rm", "host", "touch", "/usr/x").code(), "host image is read-only");
        assertEquals(0, berth.run("run", "--rm", "host", "touch", "/etc/x", "/tmp/x").code(), "/etc and /tmp are private");
        assertFalse(Files.exists(java.nio.file.Path.of("/etc/x")));
    }

    @Test
    void exitCodesFollowDocker() throws Exception {
        assertEquals(0, berth.run("run", "--rm", "host", "true").code());
        assertEquals(7, berth.run("run", "--rm", "host", "sh", "-c", "exit 7").code());
        assertEquals(125, berth.run("run", "--rm", "nosuchimage", "true").code());
        assertEquals(126, berth.run("run", "--rm", "--rootfs", busybox(), "/bin/notexec").code());
        Berth.Result notFound = berth.run("run", "--rm", "host", "nosuchcommand");
        assertEquals(127, notFound.code());
        assertTrue(notFound.err().contains("executable file not found"), notFound.err());
        assertEquals(137, berth.run("run", "--rm", "--init", "host", "sh", "-c", "kill -9 $$").code());
    }

    @Test
    void environmentWorkdirAndUser() throws Exception {
        assertEquals("1 two", berth.ok("run", "--rm", "-e", "A=1", "-e", "B=two", "host", "sh", "-c", "echo $A $B").strip());
        assertEquals("/tmp", berth.ok("run", "--rm", "-w", "/tmp", "host", "pwd").strip());
        assertEquals("1000 1000", berth.ok("run", "--rm", "-u", "1000", "--rootfs", busybox(), "sh", "-c",
            "echo $(id -u) $(id -g)").strip());
        assertEquals("1000 50", berth.ok("run", "--rm", "-u", "user:staff", "--rootfs", busybox(), "sh", "-c",
            "echo $(id -u) $(id -g)").strip());
        assertEquals("/home/user", berth.ok("run", "--rm", "-u", "user", "--rootfs", busybox(), "sh", "-c",
            "echo $HOME").strip());
    }

    @Test
    void stdinIsForwardedWithDashI() throws Exception {
        assertEquals("hello", berth.runWithInput("hello\n", "run", "--rm", "-i", "host", "cat").line());
    }

    @Test
    void detachedContainerOutlivesTheCli() throws Exception {
        String id = berth.ok("run", "-d", "--name", "d", "host", "sleep", "60").strip();
        long pid = Host.pid(berth, "d");
        assertTrue(Host.alive(pid));
        assertTrue(berth.ok("ps").contains(id.substring(0, 12)));
        // the monitor, not any berth JVM, is the container's parent
        long monitor = Host.monitorPid(berth, "d");
        assertEquals(monitor, ProcessHandle.of(pid).orElseThrow().parent().orElseThrow().pid());
        assertEquals("berth-monitor", Files.readString(java.nio.file.Path.of("/proc/" + monitor + "/comm")).strip());
    }

    @Test
    void rmRemovesAutoRemoveContainers() throws Exception {
        berth.ok("run", "--rm", "--name", "gone", "host", "true");
        assertEquals("", berth.ok("ps", "-a", "-q"));
        // and a detached --rm container is removed by its monitor once it exits
        berth.ok("run", "-d", "--rm", "--name", "gone2", "host", "true");
        long deadline = System.currentTimeMillis() + 20_000;
        while (!berth.ok("ps", "-a", "-q").isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertEquals("", berth.ok("ps", "-a", "-q"));
    }

    @Test
    void badInputIsOneClearLineAndLeavesNothing() throws Exception {
        berth.ok("run", "-d", "--name", "taken", "host", "sleep", "60");
        Berth.Result dup = berth.run("run", "--name", "taken", "host", "true");
        assertEquals(125, dup.code());
        assertTrue(dup.err().contains("already in use"), dup.err());
        Berth.Result user = berth.run("run", "-u", "nosuchuser", "host", "true");
        assertEquals(125, user.code());
        assertTrue(user.err().contains("nosuchuser"), user.err());
        Berth.Result rootfs = berth.run("run", "--rootfs", "/nonexistent", "true");
        assertEquals(125, rootfs.code());
        assertEquals(125, berth.run("run", "--bogus-flag", "host", "true").code());
        assertEquals(125, berth.run("run", "host").code(), "no command");
        for (Berth.Result r : new Berth.Result[] {dup, user, rootfs}) {
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        }
        try (Stream<?> s = Files.list(berth.root().resolve("containers"))) {
            assertEquals(1, s.count(), "failed runs must leave no container behind");
        }
    }
}
