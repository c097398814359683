package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.engine.Container;
import dev.berth.engine.ContainerRequest;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine as a library, in this JVM: container after container on spare stages. */
class LibraryTest extends ContainerTestBase {
    @Test
    void runsContainerAfterContainerAndRemovesThem() throws Exception {
        Engine engine = Engine.open(berth.root()).withCgroupParent(berth.cgroupParent());
        for (int i = 0; i < 5; i++) {
            ContainerRequest r = ContainerRequest.rootfs(Path.of(busybox()))
                .command("sh", "-c", "echo run " + i + " as $$; exit " + i).autoRemove(true);
            try (Container c = engine.run(r)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                assertEquals(i, c.pipeOutput(out, OutputStream.nullOutputStream()));
                assertEquals("run " + i + " as 1\n", out.toString(StandardCharsets.UTF_8));
            }
        }
        assertEquals(List.of(), engine.list(true), "auto-removed");
    }

    @Test
    void aDurableContainerKeepsItsExitCode() throws Exception {
        Engine engine = Engine.open(berth.root()).withCgroupParent(berth.cgroupParent());
        try (Container c = engine.run(ContainerRequest.image("host").command("sh", "-c", "exit 3"))) {
            assertEquals(3, c.pipeOutput(OutputStream.nullOutputStream(), OutputStream.nullOutputStream()));
            assertEquals(3, engine.await(c.id()));
            assertEquals("exited", berth.ok("inspect", "-f", "{{.State.Status}}", c.id()).strip());
        }
    }

    /**
     * A run that fails after its cgroup was started on another thread and its stage got the
     * hello leaves neither behind: the failure waits for the thread before it removes the cgroup,
     * and kills the stage. A name in use fails at once, while the thread still makes the
     * cgroup's directories; a user the image does not have, a little later.
     */
    @Test
    void aFailedRunLeavesNoCgroupAndNoStage() throws Exception {
        Engine engine = Engine.open(berth.root()).withCgroupParent(berth.cgroupParent());
        String taken = engine.create(ContainerRequest.rootfs(Path.of(busybox())).command("true").name("taken"));
        for (int i = 0; i < 20; i++) {
            ContainerRequest r = ContainerRequest.rootfs(Path.of(busybox())).command("true").autoRemove(i % 3 == 0);
            if (i % 2 == 0) {
                r.name("taken");
            } else {
                r.user("nosuchuser");
            }
            EngineException e = assertThrows(EngineException.class, () -> engine.run(r).close());
            assertTrue(e.getMessage().contains(i % 2 == 0 ? "taken" : "nosuchuser"), e.getMessage());
        }
        engine.remove(taken, true);
        assertEquals(List.of(), cgroupsUnder(berth.cgroupParent()), "no container's cgroup is left");
        assertEquals(List.of(), engine.list(true), "no container is left");
        try (var dirs = Files.list(berth.root().resolve("containers"))) {
            assertEquals(List.of(), dirs.toList(), "no container directory is left");
        }
        Thread.sleep(200); // a killed stage is reaped by its Process; a live one still holds its log
        for (ProcessHandle p : ProcessHandle.current().children().toList()) {
            assertTrue(!p.isAlive() || !holdsFileUnder(p.pid(), berth.root()), "stage " + p.pid() + " left running");
        }
    }

    /**
     * An auto-removed container's destroy event comes from the state the engine wrote, unless
     * someone rewrote it meanwhile: one renamed while it runs is destroyed under its new name.
     */
    @Test
    void theDestroyEventNamesTheContainerAsLastWritten() throws Exception {
        Engine engine = Engine.open(berth.root()).withCgroupParent(berth.cgroupParent());
        for (boolean rename : new boolean[] {false, true}) {
            ContainerRequest r = ContainerRequest.rootfs(Path.of(busybox())).command("sleep", "0.3").autoRemove(true)
                .name(rename ? "before-rename" : "kept");
            try (Container c = engine.run(r)) {
                if (rename) {
                    engine.rename(c.id(), "after-rename");
                }
                assertEquals(0, c.pipeOutput(OutputStream.nullOutputStream(), OutputStream.nullOutputStream()));
                String destroy = null;
                for (String line : Files.readAllLines(engine.events().file())) {
                    if (line.contains("\"Action\":\"destroy\"") && line.contains(c.id())) {
                        destroy = line;
                    }
                }
                assertTrue(destroy != null, "a destroy event of " + c.id());
                String expected = rename ? "after-rename" : "kept";
                assertTrue(destroy.contains("\"name\":\"" + expected + "\""), destroy);
            }
        }
    }

    /**
     * A run's directory comes from a spare made ahead of time (ROOT/spare): its files are what
     * they would be without it (the monitor's log 0640, the /etc files written), a spare is no
     * container to a check, and the spare of a JVM that is gone is deleted by the next engine.
     */
    @Test
    void runsTakeSpareDirectoriesThatLeaveNothingBehind() throws Exception {
        Path spares = berth.root().resolve("spare");
        Files.createDirectories(spares.resolve("999999999-0"));
        Files.writeString(spares.resolve("999999999-0/creator"), "999999999 1\n"); // no such process
        Engine engine = Engine.open(berth.root()).withCgroupParent(berth.cgroupParent());
        for (int i = 0; i < 4; i++) {
            ContainerRequest r = ContainerRequest.rootfs(Path.of(busybox())).command("cat", "/etc/hostname")
                .hostname("h" + i);
            try (Container c = engine.run(r)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                assertEquals(0, c.pipeOutput(out, OutputStream.nullOutputStream()));
                assertEquals("h" + i + "\n", out.toString(StandardCharsets.UTF_8));
                Path dir = berth.root().resolve("containers").resolve(c.id());
                assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dir.resolve("monitor.log"))));
                assertEquals("rwx--x--x", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dir)));
                assertTrue(Files.readString(dir.resolve("creator")).strip().endsWith(c.id()), "the creator names its cgroup");
                try (var left = Files.list(dir)) {
                    assertTrue(left.noneMatch(f -> f.getFileName().toString().startsWith(".state.json.tmp")),
                        "the state's temporary file was renamed into place");
                }
            }
        }
        assertEquals(List.of(), engine.check(false), "a spare is no leftover");
        try (var s = Files.list(spares)) {
            List<String> left = s.map(p -> p.getFileName().toString()).toList();
            assertTrue(left.size() <= 1 && left.stream().allMatch(n -> n.startsWith(ProcessHandle.current().pid() + "-")),
                "only this JVM's spare is left: " + left);
        }
        for (String id : List.copyOf(engine.list(true).stream().map(m -> (String) m.get("Id")).toList())) {
            engine.remove(id, true);
        }
    }

    /** The cgroups below {@code parent} in every hierarchy mounted under /sys/fs/cgroup. */
    private static List<Path> cgroupsUnder(String parent) throws Exception {
        List<Path> tops = new ArrayList<>(List.of(Path.of("/sys/fs/cgroup")));
        try (var s = Files.list(Path.of("/sys/fs/cgroup"))) {
            s.filter(Files::isDirectory).forEach(tops::add);
        }
        List<Path> out = new ArrayList<>();
        for (Path top : tops) {
            Path d = top.resolve(parent.substring(1));
            if (Files.isDirectory(d)) {
                try (var s = Files.list(d)) {
                    s.filter(Files::isDirectory).forEach(out::add);
                }
            }
        }
        return out;
    }

    private static boolean holdsFileUnder(long pid, Path root) {
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).startsWith(root)) {
                        return true;
                    }
                } catch (java.io.IOException e) {
                    // closed meanwhile
                }
            }
        } catch (java.io.IOException e) {
            return false; // gone
        }
        return false;
    }
}
