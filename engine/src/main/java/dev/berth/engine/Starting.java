package dev.berth.engine;

import dev.berth.runtime.cgroup.Cgroup;
import dev.berth.runtime.cgroup.CgroupException;
import dev.berth.runtime.cgroup.Cgroups;
import dev.berth.runtime.cgroup.Resources;
import dev.berth.runtime.stage.StageSession;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What a run sets going as soon as its directory exists, so that it overlaps the Java work that
 * makes the program ("The warm path, session 12", Round 2, in performance.md): the stage's hello
 * (the stage wakes up and opens its log meanwhile).
 *
 * <p>A run that fails calls {@link #abandon} before its clean-up.
 */
final class Starting {
    private StageSession stage;
    private String cgroupPath;
    private Resources resources;

    /** Sends the hello to the stage that will run this container, whose log is {@code monitorLog}. */
    void hello(Path monitorLog) throws IOException {
        stage = StageSession.begin(monitorLog);
    }

    /** The stage from {@link #hello}, handed over: from here the caller kills it if the run fails. */
    StageSession takeStage() {
        StageSession s = stage;
        stage = null;
        return s;
    }

    /** The cgroup {@code path} that {@link #cgroup()} makes. */
    void makeCgroup(String path, Resources resources) {
        this.cgroupPath = path;
        this.resources = resources;
    }

    /** The cgroup from {@link #makeCgroup}, made now. */
    Cgroup cgroup() throws CgroupException {
        return Cgroups.detect().create(cgroupPath, resources);
    }

    /** A failed run: kills the stage that never got its program. */
    void abandon() {
        StageSession s = takeStage();
        if (s != null) {
            s.kill();
        }
    }
}
