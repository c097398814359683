package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** berth stats: docker's columns, read from the kernel's cgroup and network files of each container. */
class StatsTest extends ContainerTestBase {
    private static final List<String> HEADER = List.of("CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT",
        "MEM %", "NET I/O", "BLOCK I/O", "PIDS");

    /** A table line's cells: docker's columns are at least three spaces apart. */
    private static List<String> cells(String line) {
        return List.of(line.strip().split(" {3,}"));
    }

    private static String row(String table, String name) {
        for (String line : table.split("\n")) {
            if (cells(line).size() > 1 && cells(line).get(1).equals(name)) {
                return line;
            }
        }
        throw new AssertionError("no row for " + name + " in\n" + table);
    }

    @Test
    void noStreamPrintsDockersColumnsForEveryRunningContainer() throws Exception {
        String busy = berth.ok("run", "-d", "--name", "busy", "-m", "64m", "host", "sh", "-c", "while :; do :; done").strip();
        String idle = berth.ok("run", "-d", "--name", "idle", "host", "sleep", "60").strip();
        String out = berth.ok("stats", "--no-stream");
        String[] lines = out.split("\n");
        assertEquals(3, lines.length, out);
        assertEquals(HEADER, cells(lines[0]));

        List<String> b = cells(row(out, "busy"));
        assertEquals(busy.substring(0, 12), b.get(0));
        double cpu = Double.parseDouble(b.get(2).replace("%", ""));
        assertTrue(cpu > 5, "a shell spinning on a CPU uses it: " + b);
        assertTrue(b.get(3).matches("[0-9.]+[KMG]?i?B / 64MiB"), "the limit is -m's: " + b);
        assertEquals("0B / 0B", b.get(5), "no interface but lo");
        assertEquals("1", b.get(7));

        List<String> i = cells(row(out, "idle"));
        assertEquals(idle.substring(0, 12), i.get(0));
        assertTrue(i.get(3).matches("[0-9.]+[KMG]?i?B / [0-9.]+GiB"), "no limit: the host's memory: " + i);
        assertTrue(i.get(4).matches("[0-9]+\\.[0-9]{2}%"), i.toString());
        long written = blkioBytes(idle);
        if (written == 0) {
            assertEquals("0B / 0B", i.get(6), "nothing in the cgroup's block I/O counters");
        }
    }

    /** The bytes the kernel counted in the container's v1 blkio or v2 io.stat. */
    private long blkioBytes(String id) throws Exception {
        Path dir = Host.cgroupDir(berth, id, "blkio");
        Path v1 = dir.resolve("blkio.throttle.io_service_bytes_recursive");
        long sum = 0;
        if (Files.exists(v1)) {
            for (String line : Files.readAllLines(v1)) {
                String[] f = line.split(" ");
                if (f.length == 3 && (f[1].equals("Read") || f[1].equals("Write"))) {
                    sum += Long.parseLong(f[2]);
                }
            }
        } else if (Files.exists(dir.resolve("io.stat"))) {
            for (String field : Files.readString(dir.resolve("io.stat")).split("[ \n]")) {
                if (field.startsWith("rbytes=") || field.startsWith("wbytes=")) {
                    sum += Long.parseLong(field.substring(7));
                }
            }
        }
        return sum;
    }

    @Test
    void jsonTemplatesAndTablesOfTheirOwn() throws Exception {
        berth.ok("run", "-d", "--name", "f", "host", "sleep", "60");
        String json = berth.ok("stats", "--no-stream", "--format", "json", "f").strip();
        assertTrue(json.startsWith("{\"BlockIO\":\"") && json.contains("\"Container\":\"f\"")
            && json.contains("\"Name\":\"f\"") && json.contains("\"PIDs\":\"1\"") && json.contains("\"CPUPerc\":\""), json);
        assertEquals("f: 1\n", berth.ok("stats", "--no-stream", "--format", "{{.Name}}: {{.PIDs}}", "f"));
        // as with docker, \t typed in the shell is a tab, and "table" adds the header
        assertEquals("NAME      PIDS\nf         1\n",
            berth.ok("stats", "--no-stream", "--format", "table {{.Name}}\\t{{.PIDs}}", "f"));
        assertEquals(125, berth.run("stats", "--no-stream", "--format", "{{.Name", "f").code());
    }

    @Test
    void missingContainersAreErrorsAndStoppedOnesReadAsZeros() throws Exception {
        Berth.Result missing = berth.run("stats", "--no-stream", "nosuch");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no such container: nosuch"), missing.err());
        assertEquals("", missing.out());
        berth.ok("run", "-d", "--name", "s", "host", "true");
        assertEquals("0", berth.ok("wait", "s").strip());
        Berth.Result oneMissing = berth.run("stats", "--no-stream", "s", "nosuch");
        assertEquals(1, oneMissing.code());
        assertEquals("", oneMissing.out(), "docker prints only the errors");

        List<String> s = cells(row(berth.ok("stats", "--no-stream", "s"), "s"));
        assertEquals(List.of("0.00%", "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0"), s.subList(2, 8));
        assertEquals(1, berth.ok("stats", "--no-stream").split("\n").length, "not running: only with -a");
        assertTrue(berth.ok("stats", "--no-stream", "-a").contains(" s "));
    }

    @Test
    void netIoCountsTheNamespacesInterfacesButNotLoopback() throws Exception {
        assumeTrue(Files.exists(Path.of("/bin/bash")) && Files.exists(Path.of("/usr/sbin/ip")), "needs bash and ip");
        // traffic on lo alone: nothing to show, as docker shows nothing for it
        berth.ok("run", "-d", "--name", "lo", "host", "bash", "-c",
            "for i in 1 2 3; do echo x > /dev/udp/127.0.0.1/9; done; touch /tmp/ready; sleep 60");
        long lo = Host.pid(berth, "lo");
        Host.awaitFile(lo, "/tmp/ready");
        assertTrue(Files.readString(Path.of("/proc/" + lo + "/net/dev")).matches("(?s).*lo: *[1-9].*"),
            "there was traffic on lo");
        assertEquals("0B / 0B", berth.ok("stats", "--no-stream", "--format", "{{.NetIO}}", "lo").strip());
        // a veth pair inside the container's namespace: what goes out of v0 comes into v1
        berth.ok("run", "-d", "--name", "veth", "--cap-add", "NET_ADMIN", "host", "bash", "-c",
            "ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up"
                + " && ip addr add 10.9.9.1/24 dev v0 && echo x > /dev/udp/10.9.9.2/9; touch /tmp/ready; sleep 60");
        long veth = Host.pid(berth, "veth");
        Host.awaitFile(veth, "/tmp/ready");
        Path dev = Path.of("/proc/" + veth + "/net/dev");
        for (int i = 0; !Files.readString(dev).matches("(?s).*v0: *[1-9].*"); i++) {
            assertTrue(i < 3000, "no traffic on v0 after a minute:\n" + Files.readString(dev));
            Thread.sleep(20);
        }
        assertNotEquals("0B / 0B", berth.ok("stats", "--no-stream", "--format", "{{.NetIO}}", "veth").strip());
    }

    @Test
    void withoutNoStreamATableEverySecondUntilStopped() throws Exception {
        berth.ok("run", "-d", "--name", "live", "host", "sleep", "60");
        ProcessBuilder pb = new ProcessBuilder(berth.command("stats", "live")).directory(berth.root().toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("BERTH_CGROUP_PARENT", berth.cgroupParent());
        Process p = pb.start();
        // if berth stopped printing, this ends the read below instead of hanging the build
        CompletableFuture.delayedExecutor(60, TimeUnit.SECONDS).execute(p::destroyForcibly);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            int tables = 0;
            while (tables < 3) {
                String line = in.readLine();
                assertTrue(line != null, "berth stats ended before its third table");
                assertFalse(line.contains("\033"), "no screen control codes when stdout is not a terminal");
                if (line.startsWith("CONTAINER ID")) {
                    tables++;
                } else {
                    assertEquals("live", cells(line).get(1));
                }
            }
            assertTrue(p.isAlive(), "it goes on until stopped");
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }
}
