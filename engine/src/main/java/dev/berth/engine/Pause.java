package dev.berth.engine;

import dev.berth.runtime.cgroup.Cgroup;
import dev.berth.runtime.cgroup.CgroupException;
import dev.berth.runtime.cgroup.Cgroups;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Map;

/**
 * docker pause and unpause: the container's cgroup is frozen or thawed, and its state says so
 * (State.Status "paused", State.Paused true) for ps and inspect. A paused container still counts
 * as running: it can be stopped, killed and removed, which thaw it (see {@link #thawToDeliver}).
 *
 * <p>The state is written while the container is frozen (after freezing, before thawing): a
 * frozen container does not exit by itself (only SIGKILL ends a frozen task, and only on v2), so
 * the removal of an exited {@code --rm} container, which takes no lock, does not meet this write.
 */
final class Pause {
    private Pause() {}

    static void pause(Engine engine, String ref) throws EngineException {
        set(engine, ref, true);
    }

    static void unpause(Engine engine, String ref) throws EngineException {
        set(engine, ref, false);
    }

    /** Freezes or thaws under the container's lock, so that two berths agree on the state. */
    private static void set(Engine engine, String ref, boolean pause) throws EngineException {
        String id = engine.resolve(ref);
        String what = pause ? "pause" : "unpause";
        try (var lock = engine.store().lock(id)) {
            Map<String, Object> s = engine.load(id);
            if (s == null) {
                throw new EngineException.NotFound("no such container: " + ref);
            }
            String name = Inspect.name(s);
            if (!Inspect.isRunning(s)) {
                throw new EngineException.InvalidState("container " + name + " is not running");
            }
            if (pause && Inspect.isPaused(s)) {
                throw new EngineException.InvalidState("container " + name + " is already paused");
            }
            if (!pause && !Inspect.isPaused(s)) {
                throw new EngineException.InvalidState("container " + name + " is not paused");
            }
            try {
                Cgroup cgroup = Cgroups.detect().open(Engine.cgroupPath(s));
                if (pause) {
                    cgroup.freeze();
                    record(engine, s, true);
                } else {
                    thaw(engine, s, cgroup);
                }
                Events.container(engine, s, what);
            } catch (CgroupException e) {
                throw new EngineException.SystemFailure("cannot " + what + " container " + name + ": "
                    + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot " + what + " container " + ref + ": " + e.getMessage(), e);
        }
    }

    /** Records "running", then thaws; if the thaw fails, the container is recorded paused again. */
    private static void thaw(Engine engine, Map<String, Object> s, Cgroup cgroup) throws IOException, CgroupException {
        record(engine, s, false);
        try {
            cgroup.thaw();
        } catch (CgroupException e) {
            record(engine, s, true);
            throw e;
        }
    }

    private static void record(Engine engine, Map<String, Object> s, boolean paused) throws IOException {
        Inspect.paused(s, paused);
        engine.store().write((String) s.get("Id"), s, !Inspect.autoRemove(s));
    }

    /**
     * After SIGKILL or SIGTERM was sent to a paused container: thaws it, so that the signal is
     * acted on (a frozen task keeps even SIGKILL pending on cgroup v1), as docker's kill and stop
     * do. A container that exited or was removed meanwhile is left as it is.
     */
    static void thawToDeliver(Engine engine, String id) throws EngineException {
        try (var lock = engine.store().lock(id)) {
            Map<String, Object> s = engine.load(id);
            if (s == null || !Inspect.isPaused(s)) {
                return;
            }
            try {
                thaw(engine, s, Cgroups.detect().open(Engine.cgroupPath(s)));
            } catch (CgroupException e) {
                throw new EngineException.SystemFailure("cannot unpause container " + Inspect.name(s)
                    + " to deliver the signal: " + e.getMessage(), e);
            }
        } catch (NoSuchFileException e) {
            // removed meanwhile: nothing left to thaw
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot unpause container " + id + ": " + e.getMessage(), e);
        }
    }
}
