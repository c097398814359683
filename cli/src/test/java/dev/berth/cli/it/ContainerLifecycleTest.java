package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle commands a docker user expects: create and start (attached, with stdin),
 * restart, rename, attach to a detached container, top, container prune, the
 * {@code berth container SUB} spellings, and images named by id.
 */
class ContainerLifecycleTest extends ContainerTestBase {

    private String status(String ref) throws Exception {
        return berth.ok("inspect", "-f", "{{.State.Status}}", ref).strip();
    }

    @Test
    void createThenStartAttachedGivesTheExitCode() throws Exception {
        String id = berth.ok("create", "--name", "c", "host", "sh", "-c", "echo out; echo err >&2; exit 3").strip();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        assertEquals("created", status("c"));
        assertEquals(0, Host.pid(berth, "c"), "nothing runs before start");

        Berth.Result first = berth.run("start", "-a", "c");
        assertEquals(3, first.code(), first.err());
        assertEquals("out\n", first.out());
        assertTrue(first.err().contains("err"), first.err());
        assertEquals("exited 3", berth.ok("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", id).strip());

        // an exited container starts again, the same one
        Berth.Result again = berth.run("start", "--attach", id.substring(0, 12));
        assertEquals(3, again.code(), again.err());
        assertEquals("out\n", again.out());

        // without -a it runs in the background, and start prints the name as given
        assertEquals("c\n", berth.ok("start", "c"));
        assertEquals("3", berth.ok("wait", "c").strip());

        Berth.Result two = berth.run("start", "-a", "c", "c");
        assertEquals(1, two.code());
        assertTrue(two.err().contains("cannot start and attach multiple containers"), two.err());
        Berth.Result missing = berth.run("start", "nosuch");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no such container: nosuch"), missing.err());
    }

    @Test
    void startInteractiveForwardsStdinAndEndsItWithOurs() throws Exception {
        berth.ok("create", "-i", "--name", "cat", "host", "sh", "-c", "cat; echo done");
        Berth.Result r = berth.runWithInput("one\ntwo\n", "start", "-a", "-i", "cat");
        assertEquals(0, r.code(), r.err());
        assertEquals("one\ntwo\ndone\n", r.out(), "stdin reached cat and its end ended cat");

        // without -i the container's stdin is not ours
        berth.ok("create", "-i", "--name", "deaf", "host", "sh", "-c", "timeout 1 cat; echo end");
        Berth.Result deaf = berth.runWithInput("ignored\n", "start", "-a", "deaf");
        assertEquals("end\n", deaf.out(), deaf.err());
    }

    @Test
    void restartGivesANewProcessAndKeepsTheId() throws Exception {
        String id = berth.ok("run", "-d", "--name", "r", "host", "sleep", "600").strip();
        long before = Host.pid(berth, "r");
        assertEquals("r\n", berth.ok("restart", "-t", "1", "r"));
        long after = Host.pid(berth, "r");
        assertNotEquals(before, after, "a new process");
        assertFalse(Host.alive(before), "the old one is gone");
        assertTrue(Host.alive(after));
        assertEquals(id, berth.ok("inspect", "-f", "{{.Id}}", "r").strip());
        assertEquals("running", status("r"));
        assertEquals(1, berth.ok("ps", "-a", "-q").strip().lines().count(), "still one container");

        // a created container is simply started; a stopped one started again
        berth.ok("create", "--name", "made", "host", "sleep", "600");
        berth.ok("restart", "made");
        assertEquals("running", status("made"));

        // -s: the signal to stop with. PID 1 ignores an untrapped TERM, so only USR1 ends this
        // one before the 60 s timeout
        berth.ok("run", "-d", "--name", "u", "host", "sh", "-c",
            "trap 'exit 0' USR1; touch /tmp/ready; while :; do sleep 0.1; done");
        Host.awaitFile(Host.pid(berth, "u"), "/tmp/ready");
        long start = System.nanoTime();
        berth.ok("restart", "-t", "60", "-s", "USR1", "u");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "restart -s USR1 used USR1");
        assertEquals("running", status("u"));

        Berth.Result missing = berth.run("restart", "nosuch");
        assertEquals(1, missing.code());
    }

    @Test
    void renameMovesTheNameAndFreesTheOldOne() throws Exception {
        String id = berth.ok("run", "-d", "--name", "old", "host", "sleep", "600").strip();
        Berth.Result r = berth.run("rename", "old", "new");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.out());
        assertEquals("/new " + id, berth.ok("inspect", "-f", "{{.Name}} {{.Id}}", "new").strip());
        Berth.Result old = berth.run("inspect", "old");
        assertEquals(1, old.code(), "the old name no longer names it");
        assertTrue(berth.ok("ps", "--format", "{{.Names}}").strip().equals("new"));

        // the old name is free for another container
        String other = berth.ok("run", "-d", "--name", "old", "host", "sleep", "600").strip();
        Berth.Result clash = berth.run("rename", "new", "old");
        assertEquals(1, clash.code());
        assertTrue(clash.err().contains("the container name \"/old\" is already in use by container \"" + other + "\""),
            clash.err());
        assertEquals("/new", berth.ok("inspect", "-f", "{{.Name}}", id).strip(), "a refused rename changes nothing");

        Berth.Result same = berth.run("rename", "new", "new");
        assertEquals(1, same.code());
        assertTrue(same.err().contains("same name as its current name"), same.err());
        Berth.Result bad = berth.run("rename", "new", "-x");
        assertEquals(125, bad.code(), "a flag-like name is refused as a flag");
        Berth.Result invalid = berth.run("rename", "new", "x/y");
        assertEquals(1, invalid.code());
        assertTrue(invalid.err().contains("invalid container name"), invalid.err());
        assertEquals(125, berth.run("rename", "new").code());

        // the new name survives a restart (the kept request is renamed too)
        berth.ok("restart", "-t", "1", "new");
        assertEquals("/new", berth.ok("inspect", "-f", "{{.Name}}", id).strip());
        assertTrue(Files.isSymbolicLink(berth.root().resolve("names/new")));
        assertEquals(other, Files.readSymbolicLink(berth.root().resolve("names/old")).toString());
    }

    @Test
    void attachToADetachedContainerSeesItsOutputAndExitCode() throws Exception {
        berth.ok("run", "-d", "--name", "w", "host", "sh", "-c", "while :; do echo tick; sleep 0.1; done");
        Path out = berth.root().resolve("attach.out");
        ProcessBuilder pb = new ProcessBuilder(berth.command("attach", "w")).directory(berth.root().toFile())
            .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("BERTH_CGROUP_PARENT", berth.cgroupParent());
        Process attach = pb.start();
        try {
            for (int i = 0; i < 200 && !(Files.exists(out) && Files.readString(out).contains("tick")); i++) {
                Thread.sleep(50);
            }
            assertTrue(Files.readString(out).contains("tick\n"), "attach shows the container's output");
            assertTrue(attach.isAlive(), "attach stays while the container runs");
            berth.ok("kill", "w");
            assertTrue(attach.waitFor(20, TimeUnit.SECONDS), "attach ends with the container");
            assertEquals(137, attach.exitValue(), "the container's exit code");
        } finally {
            attach.destroyForcibly();
        }

        // input reaches a container started with -i, through its monitor
        berth.ok("run", "-d", "-i", "--name", "echo", "host", "sh", "-c", "read x; echo \"got $x\"; exit 4");
        Berth.Result r = berth.runWithInput("hello\n", "attach", "echo");
        assertEquals(4, r.code(), r.err());
        assertEquals("got hello\n", r.out());

        Berth.Result stopped = berth.run("attach", "echo");
        assertEquals(1, stopped.code());
        assertTrue(stopped.err().contains("it is not running"), stopped.err());
    }

    @Test
    void topShowsTheContainersProcessesOnly() throws Exception {
        berth.ok("run", "-d", "--name", "t", "host", "sleep", "600");
        long pid = Host.pid(berth, "t");
        List<String> lines = berth.ok("top", "t").lines().toList();
        assertTrue(lines.get(0).startsWith("UID") && lines.get(0).contains("PID"), lines.get(0));
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(1).contains(" " + pid + " ") && lines.get(1).endsWith("sleep 600"), lines.get(1));
        List<String> custom = berth.ok("top", "t", "-o", "pid,comm").lines().toList();
        assertEquals(List.of("PID", "COMMAND"), List.of(custom.get(0).trim().split("\\s+")));
        assertEquals(pid + " sleep", custom.get(1).trim().replaceAll("\\s+", " "));
        assertEquals(custom, berth.ok("container", "top", "t", "-o", "pid,comm").lines().toList());
        berth.ok("stop", "-t", "1", "t");
        assertEquals(1, berth.run("top", "t").code());
    }

    @Test
    void pruneRemovesOnlyStoppedContainers() throws Exception {
        String running = berth.ok("run", "-d", "--name", "up", "host", "sleep", "600").strip();
        berth.ok("run", "--name", "done", "host", "true");
        String exited = berth.ok("inspect", "-f", "{{.Id}}", "done").strip();
        String created = berth.ok("create", "--name", "fresh", "host", "true").strip();
        berth.ok("run", "--name", "kept", "--label", "keep=1", "host", "true");
        String kept = berth.ok("inspect", "-f", "{{.Id}}", "kept").strip();

        assertEquals("Total reclaimed space: 0B\n", berth.ok("container", "prune", "-f", "--filter", "until=1h"),
            "every container is younger than an hour");
        String out = berth.ok("container", "prune", "-f", "--filter", "label!=keep");
        assertTrue(out.startsWith("Deleted Containers:\n"), out);
        assertTrue(out.contains(exited + "\n") && out.contains(created + "\n"), out);
        assertFalse(out.contains(running) || out.contains(kept), out);
        assertTrue(out.contains("Total reclaimed space: "), out);
        assertEquals(List.of("kept", "up"), berth.ok("ps", "-a", "--format", "{{.Names}}").lines().sorted().toList());
        assertFalse(Files.exists(berth.root().resolve("containers").resolve(exited)));
        assertFalse(Files.exists(berth.root().resolve("names/done")), "the name is free");

        // the prompt: anything but y keeps them
        assertTrue(berth.runWithInput("n\n", "container", "prune").out().contains("Are you sure"));
        assertEquals(2, berth.ok("ps", "-a", "-q").lines().count());
        Berth.Result yes = berth.runWithInput("y\n", "container", "prune");
        assertTrue(yes.out().contains(kept), yes.out());
        assertEquals(List.of(running), berth.ok("ps", "-a", "-q", "--no-trunc").lines().toList());
        assertEquals(125, berth.run("container", "prune", "-f", "--filter", "bogus").code());
        assertEquals(1, berth.run("container", "prune", "-f", "--filter", "status=exited").code());
    }

    @Test
    void containerSubcommandsAreTheTopLevelOnes() throws Exception {
        assertEquals("hi\n", berth.ok("container", "run", "--rm", "host", "echo", "hi"));
        String id = berth.ok("container", "create", "--name", "g", "host", "sleep", "600").strip();
        assertEquals("g\n", berth.ok("container", "start", "g"));
        assertEquals(berth.ok("ps", "-q"), berth.ok("container", "ls", "-q"));
        assertEquals(berth.ok("ps", "-a", "-q"), berth.ok("container", "list", "-a", "-q"));
        assertEquals(id, berth.ok("container", "inspect", "-f", "{{.Id}}", "g").strip());
        assertEquals("g\n", berth.ok("container", "pause", "g"));
        assertEquals("g\n", berth.ok("container", "unpause", "g"));
        berth.ok("container", "rename", "g", "h");
        assertEquals("h\n", berth.ok("container", "restart", "-t", "1", "h"));
        assertEquals("h\n", berth.ok("container", "stop", "-t", "1", "h"));
        assertEquals("h\n", berth.ok("container", "remove", "h"));
        assertEquals("", berth.ok("container", "ls", "-a", "-q"));
        Berth.Result unknown = berth.run("container", "frobnicate");
        assertEquals(125, unknown.code());
        assertTrue(unknown.err().contains("'frobnicate' is not a berth container command"), unknown.err());
    }

    @Test
    void runsAnImageByItsId() throws Exception {
        TestImage.load(berth.root());
        String full = berth.ok("images", "--no-trunc", "-q").strip();
        assertTrue(full.startsWith("sha256:"), full);
        String hex = full.substring("sha256:".length());
        for (String ref : List.of(hex.substring(0, 12), hex.substring(0, 5), hex, full)) {
            Berth.Result r = berth.run("run", "--rm", ref);
            assertEquals(0, r.code(), ref + ": " + r.err());
            assertEquals("ep default\n", r.out(), ref);
        }
        String id = berth.ok("create", hex.substring(0, 12), "x").strip();
        assertEquals(full, berth.ok("inspect", "-f", "{{.Image}}", id).strip());
        assertEquals(hex.substring(0, 12), berth.ok("inspect", "-f", "{{.Config.Image}}", id).strip());
        // a hex name that is no image's id is what docker says of a name
        String wrong = hex.charAt(0) == 'a' ? "bbbbbbbbbbbb" : "aaaaaaaaaaaa";
        Berth.Result missing = berth.run("run", "--rm", "--pull", "never", wrong);
        assertEquals(125, missing.code());
        assertTrue(missing.err().contains("unable to find image '" + wrong + ":latest' locally"), missing.err());
        Berth.Result fullMissing = berth.run("run", "--rm", "sha256:" + "0".repeat(64));
        assertEquals(125, fullMissing.code());
        assertTrue(fullMissing.err().contains("no such image"), fullMissing.err());
    }

    @Test
    void imageContainersKeepTheirFilesAcrossStarts() throws Exception {
        TestImage.load(berth.root());
        String script = "cat /tmp/runs 2>/dev/null | wc -l; echo run >> /tmp/runs";
        for (String snapshotter : List.of("overlay", "copy")) {
            berth.env("BERTH_SNAPSHOTTER", snapshotter);
            String name = "keep-" + snapshotter;
            assertEquals("0\n", berth.ok("run", "--name", name, "--entrypoint", "/bin/sh", "busybox", "-c", script), snapshotter);
            String driver = berth.ok("inspect", "-f", "{{.GraphDriver.Name}}", name).strip();
            assertEquals(snapshotter.equals("copy") ? "vfs" : "overlay", driver);
            // a start after the exit sees what the last run wrote, as with docker
            assertEquals("1\n", berth.ok("start", "-a", name), snapshotter);
            assertEquals("2\n", berth.ok("start", "-a", name), snapshotter);
            berth.ok("rm", name);
        }
        // a restart of a running one keeps them too
        berth.env("BERTH_SNAPSHOTTER", "overlay");
        berth.ok("run", "-d", "--name", "rs", "--entrypoint", "/bin/sh", "busybox", "-c", "echo x >> /tmp/r; sleep 600");
        berth.ok("restart", "-t", "0", "rs");
        assertEquals("x\nx\n", berth.ok("exec", "rs", "/bin/cat", "/tmp/r"));
    }
}
