package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docker's security defaults and their options, read from /proc/PID of the container's process. */
class SecurityTest extends ContainerTestBase {
    /** docker's default capability set: chown dac_override fowner fsetid kill setgid setuid setpcap
     * net_bind_service net_raw sys_chroot mknod audit_write setfcap */
    private static final long DOCKER_DEFAULT = 0xa80425fbL;

    @Test
    void defaultContainerHasDockersCapabilitiesAndNoNoNewPrivs() throws Exception {
        long pid = start("c", "run", "-d", "--name", "c", "host", "sleep", "60");
        assertEquals(DOCKER_DEFAULT, status(pid, "CapEff"));
        assertEquals(DOCKER_DEFAULT, status(pid, "CapBnd"));
        assertEquals(0, status(pid, "CapInh"));
        assertEquals(0, status(pid, "CapAmb"));
        assertEquals(0, statusValue(pid, "NoNewPrivs"));
    }

    @Test
    void capAddDropAndNoNewPrivileges() throws Exception {
        long pid = start("c", "run", "-d", "--name", "c", "--cap-drop", "ALL", "--cap-add", "NET_ADMIN",
            "--cap-add", "cap_sys_ptrace", "--security-opt", "no-new-privileges", "host", "sleep", "60");
        assertEquals(1L << 12 | 1L << 19, status(pid, "CapEff"));
        assertEquals(1L << 12 | 1L << 19, status(pid, "CapBnd"));
        assertEquals(1, statusValue(pid, "NoNewPrivs"));
        long dropped = start("d", "run", "-d", "--name", "d", "--cap-drop", "CHOWN", "--cap-drop", "NET_RAW",
            "host", "sleep", "60");
        assertEquals(DOCKER_DEFAULT & ~(1L | 1L << 13), status(dropped, "CapEff"));
    }

    @Test
    void privilegedGetsWhatTheHostHasAndSaysWhatIsMissing() throws Exception {
        long host = status(ProcessHandle.current().pid(), "CapBnd");
        Berth.Result r = berth.run("run", "-d", "--name", "p", "--privileged", "host", "sleep", "60");
        assertEquals(0, r.code(), r.err());
        long pid = Host.pid(berth, "p");
        long known = (1L << 41) - 1;
        assertEquals(host & known, status(pid, "CapEff"));
        assertEquals(host != (host | known), r.err().contains("WARNING: the host's capability bounding set lacks"),
            r.err());
        // no masked paths, a writable /sys
        String mounts = Files.readString(Path.of("/proc/" + pid + "/mountinfo"));
        assertTrue(!mounts.contains(" /proc/kcore "), mounts);
        assertTrue(mounts.lines().anyMatch(l -> l.split(" ")[4].equals("/sys") && l.split(" ")[5].startsWith("rw")),
            mounts);
    }

    @Test
    void ulimitsAreSetOnTheProcess() throws Exception {
        long pid = start("c", "run", "-d", "--name", "c", "--ulimit", "nofile=123:456", "--ulimit", "core=-1",
            "host", "sleep", "60");
        String limits = Files.readString(Path.of("/proc/" + pid + "/limits"));
        assertTrue(limits.lines().anyMatch(l -> l.startsWith("Max open files") && l.matches(".*\\s123\\s+456\\s.*")),
            limits);
        assertTrue(limits.lines().anyMatch(l -> l.startsWith("Max core file size") && l.contains("unlimited")),
            limits);
    }

    @Test
    void maskedAndReadOnlyKernelPaths() throws Exception {
        long pid = start("c", "run", "-d", "--name", "c", "host", "sleep", "60");
        String mounts = Files.readString(Path.of("/proc/" + pid + "/mountinfo"));
        int masked = 0;
        for (String path : new String[] {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
            "/proc/acpi", "/sys/firmware"}) {
            if (Files.exists(Path.of(path))) { // kernels differ in what they have
                masked++;
                assertTrue(mounts.lines().anyMatch(l -> l.split(" ")[4].equals(path)), path + " not masked:\n" + mounts);
            }
        }
        assertTrue(masked > 0, "no maskable path on this host");
        assertTrue(mounts.lines().anyMatch(l -> l.split(" ")[4].equals("/proc/sys") && l.split(" ")[5].startsWith("ro")),
            mounts);
        assertTrue(mounts.lines().anyMatch(l -> l.split(" ")[4].equals("/sys") && l.split(" ")[5].startsWith("ro")),
            mounts);
        Berth.Result r = berth.run("exec", "c", "sh", "-c", "echo 1 > /proc/sys/kernel/ns_last_pid");
        assertTrue(r.code() != 0, "writing under /proc/sys must fail");
    }

    @Test
    void sysctlsOnlyForOwnNamespaces() throws Exception {
        String out = berth.ok("run", "--rm", "--sysctl", "net.ipv4.ip_unprivileged_port_start=80",
            "--sysctl", "kernel.shmmni=1234", "host", "sh", "-c",
            "cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shmmni");
        assertEquals("80\n1234\n", out);
        Berth.Result host = berth.run("run", "--rm", "--net", "host", "--sysctl", "net.ipv4.ip_forward=1", "host", "true");
        assertEquals(125, host.code());
        assertTrue(host.err().contains("needs a private net namespace"), host.err());
        Berth.Result global = berth.run("run", "--rm", "--sysctl", "vm.swappiness=1", "host", "true");
        assertEquals(125, global.code());
        assertTrue(global.err().contains("not namespaced"), global.err());
    }

    @Test
    void badCapabilityAndUlimitAreRejected() throws Exception {
        Berth.Result cap = berth.run("run", "--rm", "--cap-add", "NOPE", "host", "true");
        assertEquals(125, cap.code());
        assertTrue(cap.err().contains("unknown capability \"NOPE\""), cap.err());
        Berth.Result ul = berth.run("run", "--rm", "--ulimit", "nofile=10:5", "host", "true");
        assertEquals(125, ul.code());
        assertTrue(ul.err().contains("above its hard limit"), ul.err());
        Berth.Result opt = berth.run("run", "--rm", "--security-opt", "bogus", "host", "true");
        assertEquals(125, opt.code());
    }

    /**
     * As docker's containers (runc gives them one): a session keyring of the container's own,
     * {@code _ses.ID}, not the caller's, which an exec joins, whatever its user. keyctl runs
     * inside without a seccomp profile: docker's refuses it.
     */
    @Test
    void sessionKeyringOfItsOwnThatExecJoins() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/keyctl")), "keyctl shows the keyring: apt-get install keyutils");
        String callers = keyctl("id", "@s");
        long pid = start("k", "run", "-d", "--name", "k", "--security-opt", "seccomp=unconfined", "host", "sh", "-c",
            "keyctl id @s >/tmp/init.id; exec sleep 60");
        String id = berth.ok("inspect", "-f", "{{.Id}}", "k").strip();
        Path initId = Path.of("/proc/" + pid + "/root/tmp/init.id");
        for (int i = 0; i < 250 && (!Files.exists(initId) || Files.size(initId) == 0); i++) {
            Thread.sleep(20);
        }
        String first = Files.readString(initId).strip();
        assertTrue(!first.equals(callers), "not the caller's keyring " + callers);
        assertEquals("keyring;0;0;3f1b0000;_ses." + id, berth.ok("exec", "k", "keyctl", "rdescribe", "@s").strip());
        assertEquals(first, berth.ok("exec", "k", "keyctl", "id", "@s").strip(), "exec joins the first process's");
        assertEquals(first, berth.ok("exec", "-u", "1000", "k", "keyctl", "id", "@s").strip());
    }

    private static String keyctl(String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("keyctl"));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    private long start(String name, String... args) throws Exception {
        berth.ok(args);
        return Host.pid(berth, name);
    }

    private static long status(long pid, String field) throws IOException {
        return Long.parseUnsignedLong(statusLine(pid, field), 16);
    }

    private static long statusValue(long pid, String field) throws IOException {
        return Long.parseLong(statusLine(pid, field));
    }

    private static String statusLine(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).strip();
            }
        }
        throw new AssertionError("no " + field + " in /proc/" + pid + "/status");
    }
}
