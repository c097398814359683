package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The daemon's stats, pause/unpause, rename, update, container prune and attach, driven by the
 * real docker CLI and curl; the kernel (cgroup files, freezer state, interface counters) and
 * the daemonless CLI are the oracles where docker's output is not enough.
 */
class DaemonLifecycleTest extends DaemonTestBase {

    private Map<String, Object> json(String text) throws Exception {
        return Json.parseObject(text);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String... path) {
        Map<String, Object> cur = m;
        for (String p : path) {
            cur = (Map<String, Object>) cur.get(p);
        }
        return cur;
    }

    private static long num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).longValue();
    }

    @Test
    void statsWithTheDockerCliAndTheJsonShape() throws Exception {
        ok("run", "-d", "--name", "s", "--memory", "64m", "host", "sh", "-c",
            "sleep 600 & sleep 600 & while :; do :; done");
        String row = ok("stats", "--no-stream", "--format", "{{.Name}}|{{.PIDs}}|{{.MemUsage}}|{{.CPUPerc}}", "s").strip();
        String[] f = row.split("\\|");
        assertEquals("s", f[0], row);
        assertEquals("3", f[1], "the shell and its two sleeps: " + row);
        assertTrue(f[2].endsWith(" / 64MiB"), "the cgroup's limit: " + row);
        double cpu = Double.parseDouble(f[3].replace("%", ""));
        assertTrue(cpu > 5, "a busy loop shows in CPU %, which needs precpu_stats: " + row);

        // one-shot: one sample, no precpu
        Map<String, Object> one = json(curl("http://d/v1.51/containers/s/stats?stream=false&one-shot=true").out());
        assertEquals("/s", one.get("name"));
        assertTrue(num(map(one, "cpu_stats", "cpu_usage"), "total_usage") > 0, one.toString());
        assertEquals(0, num(map(one, "precpu_stats", "cpu_usage"), "total_usage"));
        assertEquals(64L << 20, num(map(one, "memory_stats"), "limit"));
        assertTrue(map(one, "memory_stats", "stats").containsKey("total_inactive_file")
            || map(one, "memory_stats", "stats").containsKey("inactive_file"), one.toString());
        assertEquals(3, num(map(one, "pids_stats"), "current"));
        assertEquals(Runtime.getRuntime().availableProcessors(), num(map(one, "cpu_stats"), "online_cpus"));
        assertFalse(one.containsKey("networks"), "only loopback: no networks, as docker's --network none");

        // a stream: a sample a second, each with the one before as precpu
        Berth.Result stream = curl("-N", "--max-time", "3", "http://d/v1.51/containers/s/stats");
        List<String> lines = stream.out().lines().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.size() >= 2, stream.out() + stream.err());
        Map<String, Object> a = json(lines.get(0));
        Map<String, Object> b = json(lines.get(1));
        assertEquals(num(map(a, "cpu_stats", "cpu_usage"), "total_usage"),
            num(map(b, "precpu_stats", "cpu_usage"), "total_usage"));
        assertEquals(a.get("read"), b.get("preread"));

        ok("stop", "-t", "0", "s");
        Map<String, Object> stopped = json(curl("http://d/v1.51/containers/s/stats?stream=false").out());
        assertEquals("0001-01-01T00:00:00Z", stopped.get("read"));
        assertEquals(0, num(map(stopped, "pids_stats"), "current"));
        assertTrue(status(curl("-w", "\n%{http_code}", "http://d/v1.51/containers/nosuch/stats?stream=false"))
            .startsWith("404 "));
    }

    @Test
    void statsShowTheInterfacesOfTheContainersNetworkNamespace() throws Exception {
        // a veth pair made inside the container's own namespace (no IPv6 chatter, no ARP): three
        // datagrams go out of v0 and into v1
        String id = ok("run", "-d", "--privileged", "--name", "n", "host", "bash", "-c",
            "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 && ip link add v0 type veth peer name v1"
                + " && ip link set v0 arp off && ip addr add 10.9.9.1/24 dev v0 && ip link set v0 up && ip link set v1 up"
                // a veth drops what it is given before its carrier is up, which takes a moment on a busy host
                + " && until ip link show v0 | grep -q LOWER_UP; do sleep 0.05; done"
                + " && for i in 1 2 3; do echo x > /dev/udp/10.9.9.2/9; done; touch /tmp/ready; exec sleep 600").strip();
        long pid = Host.pid(berth, id);
        Host.awaitFile(pid, "/tmp/ready");
        Map<String, Object> st = json(curl("http://d/v1.51/containers/n/stats?stream=false&one-shot=true").out());
        Map<String, Object> nets = map(st, "networks");
        assertEquals(List.of("v0", "v1"), nets.keySet().stream().sorted().toList(), st.toString());
        // the kernel's own counters, through netlink in the container's namespace
        Berth.Result ip = exec(List.of("nsenter", "--net=/proc/" + pid + "/ns/net", "ip", "-j", "-s", "link", "show", "v0"),
            null);
        Map<String, Object> kernel = map(castMap((Map<?, ?>) ((List<?>) Json.parse(ip.out())).get(0)), "stats64");
        assertEquals(num(map(kernel, "tx"), "packets"), num(map(nets, "v0"), "tx_packets"), ip.out());
        assertEquals(num(map(kernel, "tx"), "bytes"), num(map(nets, "v0"), "tx_bytes"), ip.out());
        assertEquals(3, num(map(nets, "v0"), "tx_packets"), nets.toString());
        assertEquals(3, num(map(nets, "v1"), "rx_packets"), nets.toString());
        assertEquals(0, num(map(nets, "v0"), "rx_packets"), nets.toString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    @Test
    void pauseAndUnpauseFreezeTheCgroup() throws Exception {
        String id = ok("run", "-d", "--name", "p", "host", "sleep", "600").strip();
        assertEquals("p\n", ok("pause", "p"));
        assertTrue(Host.frozen(berth, id), "the kernel froze it");
        assertEquals("paused true", ok("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "p").strip());
        assertEquals("paused", berth.ok("inspect", "-f", "{{.State.Status}}", "p").strip(), "the CLI sees it");
        Berth.Result again = docker(null, "pause", "p");
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already paused"), again.err());
        Berth.Result attach = docker(null, "attach", "p");
        assertEquals(1, attach.code());
        assertTrue(attach.err().contains("paused"), attach.err());
        assertEquals("p\n", ok("unpause", "p"));
        assertFalse(Host.frozen(berth, id), "thawed");
        assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "p").strip());
        Berth.Result notPaused = docker(null, "unpause", "p");
        assertEquals(1, notPaused.code());
        assertTrue(notPaused.err().contains("not paused"), notPaused.err());
    }

    @Test
    void renameWithDockersMessages() throws Exception {
        String id = ok("run", "-d", "--name", "old", "host", "sleep", "600").strip();
        assertEquals("", ok("rename", "old", "new"));
        assertEquals("/new " + id, ok("inspect", "-f", "{{.Name}} {{.Id}}", "new").strip());
        assertEquals(1, docker(null, "inspect", "old").code(), "the old name is free");
        assertEquals("/new", berth.ok("inspect", "-f", "{{.Name}}", id).strip(), "the CLI sees the new name");
        String other = ok("run", "-d", "--name", "old", "host", "sleep", "600").strip();
        Berth.Result clash = docker(null, "rename", "new", "old");
        assertEquals(1, clash.code());
        assertTrue(clash.err().contains("Error response from daemon: ") && clash.err().contains(
            "is already in use by container \"" + other + "\""), clash.err());
        assertTrue(clash.err().contains("failed to rename container named new"), clash.err());
        assertTrue(status(curl("-w", "\n%{http_code}", "-X", "POST", "http://d/v1.51/containers/new/rename?name=old"))
            .startsWith("409 "));
        assertTrue(status(curl("-w", "\n%{http_code}", "-X", "POST", "http://d/v1.51/containers/new/rename?name=new"))
            .startsWith("400 "));
        assertTrue(status(curl("-w", "\n%{http_code}", "-X", "POST", "http://d/v1.51/containers/new/rename?name="))
            .startsWith("400 "));
        assertTrue(status(curl("-w", "\n%{http_code}", "-X", "POST", "http://d/v1.51/containers/nosuch/rename?name=other"))
            .startsWith("404 "));
    }

    @Test
    void updateMemoryReachesTheCgroup() throws Exception {
        String id = ok("run", "-d", "--name", "u", "host", "sleep", "600").strip();
        assertEquals("u\n", ok("update", "--memory", "64m", "u"));
        assertEquals(String.valueOf(64L << 20), Host.cgroupValue(berth, id, "memory", "memory.limit_in_bytes", "memory.max"));
        assertEquals(String.valueOf(64L << 20), ok("inspect", "-f", "{{.HostConfig.Memory}}", "u").strip());
        assertEquals("u\n", ok("update", "--pids-limit", "50", "--cpus", "0.5", "u"));
        assertEquals("50", Host.cgroupValue(berth, id, "pids", "pids.max", "pids.max"));
        assertEquals("500000000", ok("inspect", "-f", "{{.HostConfig.NanoCpus}}", "u").strip());
        // what a restart applies: the updated limit, not the one it was run with
        ok("restart", "-t", "0", "u");
        assertEquals(String.valueOf(64L << 20), Host.cgroupValue(berth, id, "memory", "memory.limit_in_bytes", "memory.max"));
        Berth.Result small = docker(null, "update", "--memory", "1m", "u");
        assertEquals(1, small.code());
        assertTrue(small.err().contains("minimum memory limit allowed is 6MB"), small.err());
        Berth.Result policy = docker(null, "update", "--restart", "always", "u");
        assertEquals(1, policy.code());
        assertTrue(policy.err().contains("not supported"), policy.err());
        assertEquals(1, docker(null, "update", "--memory", "64m", "nosuch").code());
    }

    @Test
    void containerPruneRemovesOnlyStoppedOnes() throws Exception {
        String up = ok("run", "-d", "--name", "up", "host", "sleep", "600").strip();
        ok("run", "--name", "done", "host", "true");
        String done = ok("inspect", "-f", "{{.Id}}", "done").strip();
        String fresh = ok("create", "--name", "fresh", "host", "true").strip();
        berth.ok("run", "--name", "cli", "host", "true");
        String cli = berth.ok("inspect", "-f", "{{.Id}}", "cli").strip();
        ok("run", "--name", "kept", "--label", "keep=1", "host", "true");

        assertEquals("Total reclaimed space: 0B\n", ok("container", "prune", "-f", "--filter", "until=1h"));
        String out = ok("container", "prune", "-f", "--filter", "label!=keep");
        assertTrue(out.startsWith("Deleted Containers:\n"), out);
        for (String id : List.of(done, fresh, cli)) {
            assertTrue(out.contains(id + "\n"), id + " in " + out);
        }
        assertFalse(out.contains(up), out);
        assertEquals(List.of("kept", "up"), ok("ps", "-a", "--format", "{{.Names}}").lines().sorted().toList());
        assertTrue(ok("container", "prune", "-f").contains("Deleted Containers:\n"));
        assertEquals("up\n", ok("ps", "-a", "--format", "{{.Names}}"));
        assertTrue(status(curl("-w", "\n%{http_code}", "-X", "POST",
            "http://d/v1.51/containers/prune?filters=%7B%22status%22%3A%5B%22exited%22%5D%7D")).startsWith("400 "));
    }

    @Test
    void dockerStartAttachesToAContainerMadeByBerthCreate() throws Exception {
        berth.ok("create", "--name", "bc", "host", "sh", "-c", "echo hello; echo oops >&2; exit 5");
        Berth.Result r = docker(null, "start", "-a", "bc");
        assertEquals(5, r.code(), r.err() + log());
        assertEquals("hello\n", r.out());
        assertTrue(r.err().contains("oops"), r.err());
        berth.ok("create", "-i", "--name", "bi", "host", "sh", "-c", "read x; echo \"got $x\"");
        Berth.Result in = docker("yes\n", "start", "-a", "-i", "bi");
        assertEquals(0, in.code(), in.err());
        assertEquals("got yes\n", in.out());
    }

    @Test
    void dockerAttachToAContainerTheDaemonDidNotStart() throws Exception {
        berth.ok("run", "-d", "--name", "w", "host", "sh", "-c", "while :; do echo tick; sleep 0.1; done");
        Path out1 = berth.root().resolve("attach1.out");
        Path out2 = berth.root().resolve("attach2.out");
        Process first = attach("w", out1);
        Process second = attach("w", out2);
        try {
            for (Path out : List.of(out1, out2)) {
                for (int i = 0; i < 200 && !Files.readString(out).contains("tick"); i++) {
                    Thread.sleep(50);
                }
                assertTrue(Files.readString(out).contains("tick\n"), "every client sees the output: " + log());
            }
            assertTrue(first.isAlive() && second.isAlive());
            berth.ok("kill", "w");
            assertTrue(first.waitFor(20, TimeUnit.SECONDS) && second.waitFor(20, TimeUnit.SECONDS));
            assertEquals(137, first.exitValue(), "the container's exit code");
            assertEquals(137, second.exitValue());
        } finally {
            first.destroyForcibly();
            second.destroyForcibly();
        }
        // input through the daemon and the monitor's control socket
        berth.ok("run", "-d", "-i", "--name", "e", "host", "sh", "-c", "read x; echo \"got $x\"; exit 4");
        Berth.Result r = docker("hi\n", "attach", "e");
        assertEquals(4, r.code(), r.err() + log());
        assertEquals("got hi\n", r.out());
        Berth.Result stopped = docker(null, "attach", "e");
        assertEquals(1, stopped.code());
        assertTrue(stopped.err().contains("You cannot attach to a stopped container"), stopped.err());
    }

    @Test
    void dockerAttachAfterADaemonRestartAndTTYResize() throws Exception {
        // a -t container the last daemon started: this one only has its monitor to go by
        ok("run", "-d", "-t", "--name", "t", "host", "sh", "-c",
            "while :; do stty size; sleep 0.2; done");
        daemon.destroy();
        assertTrue(daemon.waitFor(20, TimeUnit.SECONDS));
        daemon = startDaemon(socket, berth.root());
        awaitSocket(daemon, socket);
        Path out = berth.root().resolve("attach-t.out");
        Process p = attach("t", out);
        try {
            for (int i = 0; i < 200 && !Files.readString(out).contains("\n"); i++) {
                Thread.sleep(50);
            }
            assertTrue(Files.readString(out).matches("(?s).*[0-9]+ [0-9]+\\r?\n.*"), Files.readString(out) + log());
            // a resize reaches the pty through the adopted attachment
            assertEquals("200 ", status(curl("-w", "\n%{http_code}", "-X", "POST",
                "http://d/v1.51/containers/t/resize?h=33&w=99")));
            for (int i = 0; i < 200 && !Files.readString(out).contains("33 99"); i++) {
                Thread.sleep(50);
            }
            assertTrue(Files.readString(out).contains("33 99"), Files.readString(out));
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process attach(String name, Path out) throws Exception {
        Files.writeString(out, "");
        return new ProcessBuilder(DOCKER_CLI.toString(), "-H", "unix://" + socket, "attach", "--no-stdin", name)
            .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    }

    /** curl -w "\n%{http_code}": the status first, then the body. */
    private static String status(Berth.Result r) {
        String out = r.out();
        int nl = out.lastIndexOf('\n');
        return out.substring(nl + 1) + " " + out.substring(0, nl);
    }
}
