package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** ps, inspect, logs, stop, kill, wait, rm and exec over one state directory. */
class LifecycleTest extends ContainerTestBase {
    @Test
    void psFiltersAsDockerDoes() throws Exception {
        berth.ok("run", "-d", "--name", "web", "--label", "tier=front", "host", "sleep", "60");
        assertEquals(3, berth.run("run", "--name", "job", "--label", "tier=back", "host", "sh", "-c", "exit 3").code());
        berth.ok("run", "--name", "ok", "host", "true");
        assertEquals("web", berth.ok("ps", "--format", "{{.Names}}").strip());
        assertEquals("job", berth.ok("ps", "-f", "exited=3", "--format", "{{.Names}}").strip(), "exited implies -a");
        assertEquals("ok\njob", berth.ok("ps", "-f", "status=exited", "--format", "{{.Names}}").strip(), "newest first");
        assertEquals("web", berth.ok("ps", "-a", "-f", "label=tier=front", "--format", "{{.Names}}").strip());
        assertEquals("job\nweb", berth.ok("ps", "-a", "-f", "label=tier", "--format", "{{.Names}}").strip()
            .lines().sorted().reduce((a, b) -> a + "\n" + b).orElse(""));
        assertEquals("ok", berth.ok("ps", "-a", "-f", "name=^o", "--format", "{{.Names}}").strip());
        assertEquals("ok", berth.ok("ps", "-a", "-f", "since=job", "--format", "{{.Names}}").strip());
        String webId = berth.ok("inspect", "-f", "{{.Id}}", "web").strip();
        assertEquals(webId.substring(0, 12), berth.ok("ps", "-q", "-f", "id=" + webId.substring(0, 5)).strip());
        assertEquals("", berth.ok("ps", "-a", "-f", "name=web", "-f", "status=exited", "-q").strip(), "keys are and-ed");
        Berth.Result bad = berth.run("ps", "-f", "colour=red");
        assertEquals(125, bad.code());
        assertTrue(bad.err().contains("invalid filter 'colour'"), bad.err());
        Berth.Result unknown = berth.run("ps", "--bogus");
        assertEquals(125, unknown.code());
        assertTrue(unknown.err().contains("unknown flag: --bogus"), unknown.err());
    }

    @Test
    void logsKeepStdoutAndStderrApartWithTimestampsAndTail() throws Exception {
        berth.ok("run", "-d", "--name", "l", "host", "sh", "-c", "echo one; echo two >&2; sleep 0.2; echo three");
        assertEquals("0", berth.ok("wait", "l").strip());
        Berth.Result logs = berth.run("logs", "l");
        assertEquals("one\nthree\n", logs.out());
        assertEquals("two\n", logs.err());
        assertEquals("three\n", berth.ok("logs", "--tail", "1", "l"));
        assertTrue(berth.ok("logs", "-t", "l").matches("(?s)\\d{4}-\\d\\d-\\d\\dT[^ ]+Z one\n.*"));
    }

    @Test
    void logsFollowUntilTheContainerStops() throws Exception {
        berth.ok("run", "-d", "--name", "f", "host", "sh", "-c", "echo a; sleep 1; echo b");
        assertEquals("a\nb\n", berth.ok("logs", "-f", "f"));
    }

    @Test
    void stopSendsTermThenKill() throws Exception {
        berth.ok("run", "-d", "--name", "trap", "host", "sh", "-c", "trap 'exit 3' TERM; while true; do sleep 0.1; done");
        berth.ok("stop", "trap");
        assertEquals("3", berth.ok("wait", "trap").strip());
        // PID 1 without a handler ignores SIGTERM: stop falls back to SIGKILL after -t
        berth.ok("run", "-d", "--name", "deaf", "host", "sleep", "60");
        berth.ok("stop", "-t", "1", "deaf");
        assertEquals("137", berth.ok("inspect", "-f", "{{.State.ExitCode}}", "deaf").strip());
        assertTrue(berth.ok("ps", "-a").contains("Exited (137)"));
    }

    @Test
    void killSendsTheGivenSignal() throws Exception {
        berth.ok("run", "-d", "--name", "k", "host", "sh", "-c", "trap 'exit 10' USR1; while true; do sleep 0.1; done");
        Thread.sleep(300); // let the shell install its trap
        berth.ok("kill", "-s", "USR1", "k");
        assertEquals("10", berth.ok("wait", "k").strip());
        assertEquals(1, berth.run("kill", "k").code(), "not running");
        assertEquals(125, berth.run("kill", "-s", "NOSUCH", "k").code());
    }

    @Test
    void rmNeedsForceForRunningContainersAndFreesTheName() throws Exception {
        berth.ok("run", "-d", "--name", "r", "host", "sleep", "60");
        long pid = Host.pid(berth, "r");
        Berth.Result refused = berth.run("rm", "r");
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("running"), refused.err());
        berth.ok("rm", "-f", "r");
        assertFalse(Host.alive(pid));
        assertEquals(1, berth.run("inspect", "r").code());
        berth.ok("run", "--rm", "--name", "r", "host", "true");
    }

    @Test
    void namesAndIdPrefixesResolve() throws Exception {
        String id = berth.ok("run", "-d", "--name", "p", "host", "sleep", "60").strip();
        assertEquals(id, berth.ok("inspect", "-f", "{{.Id}}", id.substring(0, 5)).strip());
        assertEquals("/p", berth.ok("inspect", "-f", "{{.Name}}", "p").strip());
        assertEquals(Long.toString(Host.pid(berth, "p")), berth.ok("inspect", "-f", "{{.State.Pid}}", "p").strip());
        Berth.Result missing = berth.run("inspect", "nosuch");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no such object: nosuch"), missing.err());
        assertTrue(berth.ok("ps", "--format", "json").contains("\"Names\":\"p\""));
    }

    @Test
    void execSeesTheContainersPidNamespaceAndMounts() throws Exception {
        berth.ok("run", "-d", "--name", "e", "-h", "exechost", "host", "sleep", "60");
        String ps = berth.ok("exec", "e", "ps", "-eo", "pid,comm");
        assertTrue(ps.contains("      1 sleep"), ps);
        assertEquals("exechost", berth.ok("exec", "e", "hostname").strip());
        berth.ok("exec", "e", "sh", "-c", "echo mark > /tmp/mark");
        assertEquals("mark", berth.ok("exec", "-w", "/tmp", "e", "cat", "mark").strip());
        assertEquals("1000", berth.ok("exec", "-u", "1000", "e", "id", "-u").strip());
        assertEquals("v", berth.ok("exec", "-e", "X=v", "e", "sh", "-c", "echo $X").strip());
        assertEquals(127, berth.run("exec", "e", "nosuch").code());
        assertEquals(5, berth.run("exec", "e", "sh", "-c", "exit 5").code());
        berth.ok("stop", "-t", "0", "e");
        assertEquals(1, berth.run("exec", "e", "true").code(), "not running");
    }
}
