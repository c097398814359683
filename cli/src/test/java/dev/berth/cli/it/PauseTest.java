package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** pause and unpause: the kernel's freezer, the state ps and inspect show, and what a paused container still allows. */
class PauseTest extends ContainerTestBase {
    @Test
    void pauseFreezesTheCgroupAndUnpauseThawsIt() throws Exception {
        String id = berth.ok("run", "-d", "--name", "p", "host", "sleep", "60").strip();
        assertEquals("p\n", berth.ok("pause", "p"));
        assertTrue(Host.frozen(berth, id), "the kernel froze the container's cgroup");
        assertEquals("paused true true", berth.ok("inspect", "-f",
            "{{.State.Status}} {{.State.Paused}} {{.State.Running}}", "p").strip());
        assertTrue(berth.ok("ps").contains("(Paused)"), "a paused container is still running: ps lists it");
        assertEquals("paused", berth.ok("ps", "--format", "{{.State}}").strip());

        Berth.Result again = berth.run("pause", "p");
        assertEquals(1, again.code());
        assertTrue(again.err().contains("container p is already paused"), again.err());
        Berth.Result exec = berth.run("exec", "p", "true");
        assertEquals(1, exec.code());
        assertTrue(exec.err().contains("container p is paused, unpause the container before exec"), exec.err());

        assertEquals("p\n", berth.ok("unpause", "p"));
        assertFalse(Host.frozen(berth, id), "thawed");
        assertEquals("running false true", berth.ok("inspect", "-f",
            "{{.State.Status}} {{.State.Paused}} {{.State.Running}}", "p").strip());
        Berth.Result notPaused = berth.run("unpause", "p");
        assertEquals(1, notPaused.code());
        assertTrue(notPaused.err().contains("container p is not paused"), notPaused.err());
        assertEquals("ok", berth.ok("exec", "p", "echo", "ok").strip());
    }

    @Test
    void onlyARunningContainerCanBePaused() throws Exception {
        Berth.Result missing = berth.run("pause", "nosuch");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no such container: nosuch"), missing.err());
        berth.ok("run", "-d", "--name", "done", "host", "true");
        assertEquals("0", berth.ok("wait", "done").strip());
        Berth.Result stopped = berth.run("pause", "done");
        assertEquals(1, stopped.code());
        assertTrue(stopped.err().contains("container done is not running"), stopped.err());
        assertEquals(125, berth.run("pause").code());
        assertEquals(125, berth.run("unpause").code());
    }

    @Test
    void stopKillAndRmThawAPausedContainer() throws Exception {
        // stop's SIGTERM reaches the trap once the container is thawed: 3, not SIGKILL's 137
        berth.ok("run", "-d", "--name", "t", "host", "sh", "-c",
            "trap 'exit 3' TERM; touch /tmp/ready; while true; do sleep 0.1; done");
        Host.awaitFile(Host.pid(berth, "t"), "/tmp/ready");
        berth.ok("pause", "t");
        berth.ok("stop", "t");
        assertEquals("3", berth.ok("wait", "t").strip());
        assertEquals("exited false", berth.ok("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "t").strip());

        berth.ok("run", "-d", "--name", "k", "host", "sleep", "60");
        berth.ok("pause", "k");
        berth.ok("kill", "k");
        assertEquals("137", berth.ok("wait", "k").strip());

        String id = berth.ok("run", "-d", "--name", "r", "host", "sleep", "60").strip();
        long pid = Host.pid(berth, "r");
        berth.ok("pause", "r");
        Berth.Result refused = berth.run("rm", "r");
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("it is paused"), refused.err());
        berth.ok("rm", "-f", "r");
        assertFalse(Host.alive(pid), "rm -f killed the paused process");
        assertFalse(Files.exists(Host.cgroupDir(berth, id, "freezer")), "and removed its cgroup");
    }

    @Test
    void anotherSignalWaitsForUnpause() throws Exception {
        berth.ok("run", "-d", "--name", "u", "host", "sh", "-c",
            "trap 'exit 4' USR1; touch /tmp/ready; while true; do sleep 0.1; done");
        Host.awaitFile(Host.pid(berth, "u"), "/tmp/ready");
        berth.ok("pause", "u");
        berth.ok("kill", "-s", "USR1", "u");
        assertEquals("paused", berth.ok("inspect", "-f", "{{.State.Status}}", "u").strip(),
            "docker leaves a paused container paused for signals other than the stop signal and KILL");
        berth.ok("unpause", "u");
        assertEquals("4", berth.ok("wait", "u").strip());
    }
}
