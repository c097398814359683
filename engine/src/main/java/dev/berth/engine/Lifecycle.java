package dev.berth.engine;

import dev.berth.linux.ErrnoException;
import dev.berth.linux.LibC;
import dev.berth.linux.Signals;
import dev.berth.runtime.MonitorClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Signals and waits, through the container's monitor (no native call on the common path). */
final class Lifecycle {
    private Lifecycle() {}

    static void kill(Engine engine, Map<String, Object> s, int signal) throws EngineException {
        String id = (String) s.get("Id");
        if (!Inspect.isRunning(s)) {
            throw new EngineException.InvalidState("cannot kill container " + Inspect.name(s)
                + ": it is not running");
        }
        Restarts.markStoppedByHand(engine.dir(id));
        // before the signal: the die it causes is logged by the monitor, after this
        Events.container(engine, s, "kill", Map.of("signal", String.valueOf(signal)));
        try (MonitorClient m = MonitorClient.connect(engine.dir(id))) {
            m.signal(signal);
        } catch (IOException e) {
            // the monitor is gone but the process may not be: signal it directly
            try {
                LibC.kill(Inspect.pid(s), signal);
            } catch (ErrnoException ex) {
                throw new EngineException.InvalidState("cannot kill container " + Inspect.name(s)
                    + ": " + ex.getMessage());
            }
        }
        // as docker: the stop signal and SIGKILL thaw a paused container, so that they take
        // effect; any other signal waits, pending, for unpause
        if (Inspect.isPaused(s) && (signal == Signals.SIGKILL || signal == Inspect.stopSignal(s))) {
            Pause.thawToDeliver(engine, id);
        }
    }

    static void stop(Engine engine, Map<String, Object> s, int timeoutSeconds) throws EngineException {
        stop(engine, s, timeoutSeconds, Inspect.stopSignal(s));
    }

    /** {@code signal} first (docker stop -s), then SIGKILL after {@code timeoutSeconds}; a negative timeout waits for ever. */
    static void stop(Engine engine, Map<String, Object> s, int timeoutSeconds, int signal) throws EngineException {
        String id = (String) s.get("Id");
        if ("restarting".equals(Inspect.state(s).get("Status"))) {
            if (Restarts.cancel(engine, id)) { // it waited for its restart: it stays stopped
                Events.container(engine, s, "stop");
            }
            return;
        }
        if (!Inspect.isRunning(s)) {
            return;
        }
        try {
            kill(engine, s, signal);
        } catch (EngineException.InvalidState e) {
            return; // it exited meanwhile
        }
        if (!exitedWithin(engine, id, timeoutSeconds < 0 ? 365L * 24 * 3600 * 1000 : timeoutSeconds * 1000L)) {
            killAndWait(engine, engine.inspect(id));
        }
        Events.container(engine, s, "stop");
    }

    static void killAndWait(Engine engine, Map<String, Object> s) throws EngineException {
        String id = (String) s.get("Id");
        try {
            kill(engine, s, Signals.SIGKILL);
        } catch (EngineException.InvalidState e) {
            return;
        }
        if (!exitedWithin(engine, id, 10_000)) {
            throw new EngineException.SystemFailure("container " + Inspect.name(s)
                + " did not exit 10 s after SIGKILL", null);
        }
    }

    private static boolean exitedWithin(Engine engine, String id, long millis) throws EngineException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        // a killed container is usually gone within a millisecond or two: look soon, then less often
        for (int pause = 1; ; pause = Math.min(pause * 2, 20)) {
            if (!Inspect.isRunning(engine.inspect(id))) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * Attaches to a running container through its monitor's control socket: its output and
     * exit from now on (F_ATTACH), its input, signals and terminal size.
     */
    static Attachment attach(Engine engine, Map<String, Object> s) throws EngineException {
        String id = (String) s.get("Id");
        if (!Inspect.isRunning(s)) {
            throw new EngineException.InvalidState("cannot attach to container " + Inspect.name(s)
                + ": it is not running; start it first (start -a attaches as it starts)");
        }
        if (Inspect.isPaused(s)) {
            throw new EngineException.InvalidState("cannot attach to container " + Inspect.name(s)
                + ": it is paused; unpause it first");
        }
        MonitorClient m;
        try {
            m = MonitorClient.connect(engine.dir(id));
        } catch (IOException e) {
            // its monitor removed the socket: it exited since it was read
            throw new EngineException.InvalidState("cannot attach to container " + Inspect.name(s)
                + ": it is not running; start it first");
        }
        try {
            m.attach();
        } catch (IOException e) {
            m.close();
            throw new EngineException.InvalidState("cannot attach to container " + Inspect.name(s)
                + ": it exited meanwhile");
        }
        return new Attached(engine, id, m);
    }

    /** An attachment over the control socket: an end without an exit frame reads the state. */
    static final class Attached extends Attachment {
        private final Engine engine;
        private final String id;

        Attached(Engine engine, String id, MonitorClient m) {
            super(m);
            this.engine = engine;
            this.id = id;
        }

        @Override
        protected int exited(int code) {
            if (code >= 0 || detached()) {
                return code;
            }
            try {
                return await(engine, engine.inspect(id));
            } catch (EngineException e) {
                return -1; // removed meanwhile (--rm): its code is gone with it
            }
        }
    }

    static int await(Engine engine, Map<String, Object> s) throws EngineException {
        String id = (String) s.get("Id");
        if (Inspect.isRunning(s)) {
            Path dir = engine.dir(id);
            try (MonitorClient m = MonitorClient.connect(dir)) {
                m.awaitExit();
            } catch (IOException e) {
                // the monitor is gone: the state file tells the rest
            }
            exitedWithin(engine, id, 5_000);
        }
        return Inspect.exitCode(engine.inspect(id));
    }
}
