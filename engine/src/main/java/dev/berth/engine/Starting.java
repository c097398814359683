package dev.berth.engine;

import dev.berth.runtime.cgroup.Cgroup;
import dev.berth.runtime.cgroup.CgroupException;
import dev.berth.runtime.cgroup.Cgroups;
import dev.berth.runtime.cgroup.Resources;
import dev.berth.runtime.stage.StageSession;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * What a run sets going as soon as its directory exists, so that it overlaps the Java work that
 * makes the program ("The warm path, session 12", Round 2, in performance.md): the stage's hello
 * (the stage wakes up and opens its log meanwhile) and, in a long-lived JVM, the cgroup's
 * directories on a thread of their own (about ten mkdirs, 0.6 ms; {@link Background}).
 *
 * <p>A run that fails calls {@link #abandon} before it removes the cgroup: that waits for the
 * thread, so that no cgroup is made after its removal.
 */
final class Starting {
    private StageSession stage;
    private Future<Cgroup> cgroup;
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

    /** Starts making the cgroup {@code path}: on a thread in a long-lived JVM, else at {@link #cgroup()}. */
    void makeCgroup(String path, Resources resources) {
        this.cgroupPath = path;
        this.resources = resources;
        cgroup = Background.submit(() -> Cgroups.detect().create(path, resources));
    }

    /** The cgroup from {@link #makeCgroup}, once made; its failure as making it here would throw. */
    Cgroup cgroup() throws CgroupException {
        Future<Cgroup> f = cgroup;
        if (f == null) {
            return Cgroups.detect().create(cgroupPath, resources);
        }
        cgroup = null;
        try {
            return Background.await(f);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CgroupException ce) {
                throw ce;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * A failed run: kills the stage that never got its program and waits until the cgroup's
     * thread is done (what it made, the caller's clean-up removes; what it failed at, nobody needs).
     */
    void abandon() {
        StageSession s = takeStage();
        if (s != null) {
            s.kill();
        }
        Future<Cgroup> f = cgroup;
        cgroup = null;
        if (f != null) {
            try {
                Background.await(f);
            } catch (ExecutionException e) {
                // made nothing, or rolled back what it made (Fs.rollback)
            }
        }
    }
}
