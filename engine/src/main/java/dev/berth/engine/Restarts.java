package dev.berth.engine;

import dev.berth.runtime.Timestamps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Restart policies, applied by whoever learns of the exit first and holds the container's lock:
 *
 * <ul>
 * <li>without a daemon, the container's monitor: its exit command ({@code berth container-exited
 *     ID}, as podman's conmon runs {@code podman container cleanup}) runs when no engine is
 *     attached any more, so a detached {@code berth run -d --restart ...} restarts with no
 *     berth process around;
 * <li>a daemon restarts the containers it started itself, in process
 *     ({@link Engine#withRestartsInProcess}), and tells their monitors to skip the exit command;
 * <li>at a daemon's start, {@link #atBoot}.
 * </ul>
 *
 * docker's rules: a stop or kill through berth or docker marks the container stopped by hand
 * ({@code ROOT/containers/ID/stopped-by-hand}), which suppresses restarts until the next start
 * by hand; between an exit and its restart the container is {@code restarting}, with its
 * {@code RestartCount} already counted, and a stop then cancels the restart. The delay doubles
 * from 100 ms (to at most a minute) and falls back to 100 ms after a run of 10 s or more
 * ({@code ROOT/containers/ID/restart-delay} keeps the last one across processes).
 */
final class Restarts {
    static final String EXIT_COMMAND = "container-exited";
    static final String STOPPED = "stopped-by-hand";
    static final String DELAY = "restart-delay";
    static final long FIRST_DELAY_MS = 100;
    static final long MAX_DELAY_MS = 60_000;
    static final long RESET_AFTER_NANOS = 10_000_000_000L;

    private Restarts() {}

    static boolean stoppedByHand(Path dir) {
        return Files.exists(dir.resolve(STOPPED));
    }

    /** A stop or kill through the engine: the policy leaves the container alone until it is started again. */
    static void markStoppedByHand(Path dir) {
        try {
            Files.writeString(dir.resolve(STOPPED), "");
        } catch (IOException e) {
            // the container is being removed: nothing left to restart
        }
    }

    /** A start by hand forgets the stop, the count and the back-off. */
    static void reset(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(STOPPED));
            Files.deleteIfExists(dir.resolve(DELAY));
        } catch (IOException e) {
            // stale files only delay a restart, they never cause one
        }
    }

    /**
     * The exit of {@code id} was seen: if its policy says so, it becomes {@code restarting}, the
     * back-off is waited out, and it is started again (null otherwise, or when a stop, a removal
     * or another start came first).
     */
    static Container afterExit(Engine engine, String id) throws EngineException {
        Path dir = engine.dir(id);
        long delay;
        Map<String, Object> s;
        try (var lock = engine.store().lock(id)) {
            s = engine.load(id);
            if (s == null || !"exited".equals(Inspect.state(s).get("Status"))) {
                return null; // gone, running again, or a restart already waits
            }
            RestartPolicy policy = RestartPolicy.of(s);
            int count = (int) Inspect.num(s.get("RestartCount"));
            if (!policy.shouldRestart(Inspect.exitCode(s), stoppedByHand(dir), count)) {
                return null;
            }
            delay = nextDelay(dir, s);
            restarting(s, count + 1);
            engine.store().write(id, s);
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot restart container " + id + ": " + e.getMessage(), e);
        }
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        return startAgain(engine, id, true);
    }

    /** Starts it (the start logs the restart); a failed start leaves it exited with the error. */
    private static Container startAgain(Engine engine, String id, boolean byPolicy) throws EngineException {
        try {
            return engine.start(id, byPolicy);
        } catch (EngineException.NotFound e) {
            return null; // removed while it waited
        } catch (EngineException e) {
            giveUp(engine, id, e.getMessage());
            throw e;
        }
    }

    /** A restart that did not happen: the container shows exited again, with why. */
    private static void giveUp(Engine engine, String id, String error) {
        try (var lock = engine.store().lock(id)) {
            Map<String, Object> s = engine.load(id);
            if (s != null && "restarting".equals(Inspect.state(s).get("Status"))) {
                Map<String, Object> st = Inspect.state(s);
                st.put("Status", "exited");
                st.put("Restarting", false);
                st.put("Error", error);
                engine.store().write(id, s);
            }
        } catch (IOException e) {
            // the state says restarting; the next start or boot repairs it
        }
    }

    /** docker's shape while it waits: Status restarting, Restarting true, the count already made. */
    private static void restarting(Map<String, Object> s, int count) {
        Map<String, Object> st = Inspect.state(s);
        st.put("Status", "restarting");
        st.put("Restarting", true);
        st.put("Running", false);
        st.put("Pid", 0);
        s.put("RestartCount", count);
    }

    /** 100 ms, doubled each time up to a minute, back to 100 ms after a run of 10 s. */
    static long nextDelay(Path dir, Map<String, Object> s) throws IOException {
        Map<String, Object> st = Inspect.state(s);
        long started = Timestamps.parse(String.valueOf(st.get("StartedAt")));
        long finished = Timestamps.parse(String.valueOf(st.get("FinishedAt")));
        long ran = started > 0 && finished > 0 ? finished - started : 0;
        long last = 0;
        try {
            last = Long.parseLong(Files.readString(dir.resolve(DELAY)).strip());
        } catch (IOException | NumberFormatException e) {
            // none yet
        }
        long delay = last <= 0 || ran >= RESET_AFTER_NANOS ? FIRST_DELAY_MS : Math.min(last * 2, MAX_DELAY_MS);
        Files.writeString(dir.resolve(DELAY), delay + "\n");
        return delay;
    }

    /** A stop of a container that waits for its restart: it stays exited. */
    static boolean cancel(Engine engine, String id) {
        markStoppedByHand(engine.dir(id));
        try (var lock = engine.store().lock(id)) {
            Map<String, Object> s = engine.load(id);
            if (s == null || !"restarting".equals(Inspect.state(s).get("Status"))) {
                return false;
            }
            Inspect.state(s).put("Status", "exited");
            Inspect.state(s).put("Restarting", false);
            engine.store().write(id, s);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A daemon's start: every container whose policy brings it back and that does not run is
     * started, as by hand (docker resets the count and the stop then); a restart that was
     * waiting when its process died ({@code restarting}) counts as exited.
     */
    static List<Container> atBoot(Engine engine, Consumer<String> report) {
        List<Container> out = new ArrayList<>();
        List<Map<String, Object>> all;
        try {
            all = engine.list(true);
        } catch (EngineException e) {
            report.accept("cannot list containers to restart: " + e.getMessage());
            return out;
        }
        for (Map<String, Object> s : all) {
            String status = String.valueOf(Inspect.state(s).get("Status"));
            String id = (String) s.get("Id");
            RestartPolicy policy = RestartPolicy.of(s);
            if (policy.isNo() || !status.equals("exited") && !status.equals("restarting")
                || !policy.restartsAtBoot(Inspect.exitCode(s), stoppedByHand(engine.dir(id)),
                    (int) Inspect.num(s.get("RestartCount")))) {
                continue;
            }
            try {
                out.add(engine.start(id));
            } catch (EngineException e) {
                report.accept("cannot restart container " + Inspect.name(s) + " (" + policy + "): " + e.getMessage());
            }
        }
        return out;
    }
}
