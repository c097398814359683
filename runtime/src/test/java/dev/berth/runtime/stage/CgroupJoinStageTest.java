package dev.berth.runtime.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.runtime.ProgramCompiler;
import dev.berth.runtime.cgroup.Cgroup;
import dev.berth.runtime.cgroup.Cgroups;
import dev.berth.runtime.cgroup.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * C1's way into the container's cgroup, on this host's kernel: a v1 hierarchy through its
 * {@code tasks} file, the v2 one by being started there (OP_CLONE_CGROUP: clone3 with
 * CLONE_INTO_CGROUP), with the {@code cgroup.procs} write after it (RF_ELSE) only where that
 * cannot be. The oracle is {@code /proc/PID/cgroup} of the container's first process, read from
 * outside, and whether the fallback record ran at all.
 */
class CgroupJoinStageTest {
    private Cgroup cgroup;
    private String path;
    private Path notACgroup;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "cgroups need root");
        path = "/berth-test-join-" + ProcessHandle.current().pid();
        cgroup = Cgroups.detect().create(path, Resources.NONE);
        notACgroup = Files.createTempDirectory(Path.of("/tmp"), "berth-join");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (cgroup != null) {
            cgroup.delete();
        }
        if (notACgroup != null) {
            Files.deleteIfExists(notACgroup);
        }
    }

    @Test
    void theCompiledJoinPutsTheFirstProcessInEveryHierarchy() throws Exception {
        Program p = new Program();
        ProgramCompiler.joinCgroup(p, files());
        assertEquals(cgroup.dirs().size(), every(p, Protocol.OP_CGROUP).size(), p.records().toString());
        assertContainerIn(p);
    }

    @Test
    void aV2CgroupIsEnteredAtTheForkAndItsWriteNeverRuns() throws Exception {
        String procs = v2Procs();
        Program p = joinV1Only(procs);
        String dir = procs.substring(0, procs.lastIndexOf('/'));
        p.add(Protocol.OP_CLONE_CGROUP, "start in the cgroup", dir);
        // a write that could only fail: it must not run when the clone placed C1
        p.addWithFlags(Protocol.OP_CGROUP, Protocol.RF_ELSE, "never", notACgroup.resolve("missing").toString());
        assertContainerIn(p);
    }

    @Test
    void whereTheCloneCannotTheWriteAfterItDoes() throws Exception {
        String procs = v2Procs();
        Program p = joinV1Only(procs);
        // a directory that is no cgroup: clone3 refuses it, C1 is forked and moves itself
        p.add(Protocol.OP_CLONE_CGROUP, "start in a directory that is no cgroup", notACgroup.toString());
        p.addWithFlags(Protocol.OP_CGROUP, Protocol.RF_ELSE, "join the cgroup", procs);
        assertContainerIn(p);
    }

    /** A program that joins every hierarchy but the v2 one ({@code procs}), which the test joins its own way. */
    private Program joinV1Only(String procs) {
        assumeTrue(procs != null, "no cgroup v2 directory on this host");
        List<String> v1 = new ArrayList<>(files());
        v1.remove(procs);
        Program p = new Program();
        ProgramCompiler.joinCgroup(p, v1);
        return p;
    }

    private List<String> files() {
        List<String> out = new ArrayList<>();
        for (Path f : cgroup.joinFiles()) {
            out.add(f.toString());
        }
        return out;
    }

    private String v2Procs() {
        for (String f : files()) {
            if (f.endsWith("/cgroup.procs")) {
                return f;
            }
        }
        return null;
    }

    private static List<Integer> every(Program p, int op) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < p.records().size(); i++) {
            if (p.records().get(i).op() == op) {
                out.add(i);
            }
        }
        return out;
    }

    /** Runs {@code join} and a sleep up to its start; the sleep's cgroups must all be {@link #path}. */
    private void assertContainerIn(Program join) throws Exception {
        join.add(Protocol.OP_EXEC, "sleep", "/bin/sleep", "60");
        Process stage = new ProcessBuilder(Stage.locate().toString()).redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        try {
            new Frame(Protocol.F_HELLO, Frame.le(8).putInt(Protocol.MAGIC).putInt(Protocol.VERSION).array())
                .write(stage.getOutputStream());
            assertEquals(Protocol.F_HELLO, Frame.read(stage.getInputStream()).type());
            new Frame(Protocol.F_PROGRAM, join.encode()).write(stage.getOutputStream());
            Frame created = Frame.read(stage.getInputStream());
            assertEquals(Protocol.F_CREATED, created.type(), () -> "the stage failed: "
                + new String(created.payload(), 8, created.payload().length - 8));
            // one line per hierarchy: each of ours must name the cgroup, none another one
            List<String> lines = Files.readAllLines(Path.of("/proc/" + created.intValue() + "/cgroup"));
            long in = lines.stream().filter(l -> l.endsWith(":" + path)).count();
            assertEquals(cgroup.dirs().size(), in, lines.toString());
        } finally {
            stage.getOutputStream().close(); // gone before the start: the stage abandons the container
            assertTrue(stage.waitFor(10, TimeUnit.SECONDS));
        }
        for (int i = 0; i < 100 && !cgroup.pids().isEmpty(); i++) {
            Thread.sleep(10);
        }
    }
}
