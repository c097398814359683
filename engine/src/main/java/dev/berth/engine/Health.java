package dev.berth.engine;

import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.state.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The healthcheck runner, docker's rules (moby's daemon/health.go) without a daemon: the
 * container's monitor runs {@code berth healthcheck run --monitor ID} again and again
 * ({@code OP_REPEAT}, see {@link #monitorRecord}); each run execs the probe in the container,
 * kills it when it outlives its timeout, folds the result into {@code health.json} under the
 * container's lock, logs {@code health_status: STATUS} when the status changes, and prints the
 * delay until the next run (the start interval while a start period has not seen a success).
 *
 * <p>{@code health.json} holds the run it belongs to ({@code StartedAt}): a new start of the
 * container resets status and failing streak without writing anything (the log of the last 5
 * results stays, as docker keeps it). {@link #fold} puts docker's {@code State.Health} into
 * every state read; a container that stopped reads {@code unhealthy}, as docker leaves it.
 */
public final class Health {
    static final String FILE = "health.json";
    static final int MAX_LOG = 5;
    static final int MAX_OUTPUT = 4096;

    private Health() {}

    /**
     * What one check left: the container's status after it ({@code starting}, {@code healthy},
     * {@code unhealthy}), the failing streak, the probe's exit code (-1: it did not finish) and
     * output, and the delay before the next scheduled check (-1: none, the container is gone).
     */
    public record Report(String status, int failingStreak, int exitCode, String output, long nextCheckMillis) {
        public boolean healthy() {
            return "healthy".equals(status);
        }
    }

    /** The container's healthcheck as its Config holds it, or null when it has none that runs. */
    static HealthConfig config(Map<String, Object> s) {
        Map<String, Object> config = Json.map(s, "Config");
        HealthConfig hc = config == null ? null : HealthConfig.fromJson(config.get("Healthcheck"));
        return hc != null && hc.active() ? hc : null;
    }

    /**
     * The monitor's record for a container with a healthcheck: {@code command} (berth, ending in
     * its {@code --root}) with {@code healthcheck run --monitor ID}, first after the start
     * interval when there is a start period, else after the interval. Null when there is nothing
     * to run, or no command to run it with (a library engine without {@link Engine#withRemoveCommand}).
     */
    static String[] monitorRecord(List<String> command, String id, Map<String, Object> healthcheck) {
        HealthConfig hc = HealthConfig.fromJson(healthcheck);
        if (hc == null || !hc.active() || command.isEmpty()) {
            return null;
        }
        long first = hc.startPeriod() > 0 ? hc.startIntervalOrDefault() : hc.intervalOrDefault();
        List<String> out = new ArrayList<>();
        out.add(String.valueOf(millis(first)));
        out.add(String.valueOf(millis(hc.intervalOrDefault())));
        out.addAll(command);
        out.addAll(List.of("healthcheck", "run", "--monitor", id));
        return out.toArray(new String[0]);
    }

    private static long millis(long nanos) {
        return Math.max(1, nanos / 1_000_000);
    }

    /** Puts docker's {@code State.Health} into a state just read (or takes it out: no healthcheck, never started). */
    static Map<String, Object> fold(Map<String, Object> s, Path dir) {
        Map<String, Object> st = Json.map(s, "State");
        if (st == null) {
            return s;
        }
        Object started = st.get("StartedAt");
        if (config(s) == null || "created".equals(st.get("Status")) || started == null
            || Inspect.ZERO_TIME.equals(started)) {
            st.remove("Health");
            return s;
        }
        Map<String, Object> file = read(dir);
        boolean thisRun = file != null && String.valueOf(started).equals(file.get("StartedAt"));
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("Status", !Inspect.isRunning(s) ? "unhealthy" : thisRun ? file.get("Status") : "starting");
        h.put("FailingStreak", thisRun ? file.get("FailingStreak") : 0);
        h.put("Log", file != null && file.get("Log") instanceof List<?> l ? l : new ArrayList<>());
        st.put("Health", h);
        return s;
    }

    private static Map<String, Object> read(Path dir) {
        try {
            return Json.parseObject(Files.readString(dir.resolve(FILE)));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) { // JsonException too
            return null; // a torn write cannot happen (rename); a hand-edited file reads as no result yet
        }
    }

    /**
     * Runs the container's healthcheck once and records the result as docker's monitor does.
     * {@code scheduled}: the monitor's run, which skips a paused container and reports a
     * container that stopped meanwhile instead of failing.
     */
    static Report check(Engine engine, String ref, boolean scheduled) throws EngineException {
        Map<String, Object> s = engine.inspect(ref);
        String id = (String) s.get("Id");
        String name = Inspect.name(s);
        HealthConfig hc = config(s);
        if (hc == null) {
            if (scheduled) {
                return new Report("none", 0, -1, "", -1);
            }
            throw new EngineException.InvalidState("container " + name + " has no healthcheck; give one with"
                + " --health-cmd when it is created");
        }
        Map<String, Object> health = Json.map(Inspect.state(s), "Health");
        if (!Inspect.isRunning(s) || Inspect.isPaused(s)) {
            if (scheduled) {
                return new Report(String.valueOf(health == null ? "" : health.get("Status")), 0, -1, "",
                    Inspect.isRunning(s) ? millis(hc.intervalOrDefault()) : -1);
            }
            throw new EngineException.InvalidState("container " + name + " is " + (Inspect.isPaused(s)
                ? "paused; unpause it first" : "not running; start it first"));
        }
        String startedAt = String.valueOf(Inspect.state(s).get("StartedAt"));
        long started = Timestamps.parse(startedAt);
        Probe p = probe(engine, id, hc, shell(s));
        String before;
        String status;
        int streak;
        try (var lock = engine.store().lock(id)) {
            Map<String, Object> now = engine.load(id);
            if (now == null || !Inspect.isRunning(now) || !startedAt.equals(Inspect.state(now).get("StartedAt"))) {
                // docker: a probe of a container that is not running (any more) is not counted
                return new Report("unhealthy", 0, p.exitCode, p.output, -1);
            }
            Path dir = engine.dir(id);
            Map<String, Object> file = read(dir);
            boolean thisRun = file != null && startedAt.equals(file.get("StartedAt"));
            before = thisRun ? String.valueOf(file.get("Status")) : "starting";
            streak = thisRun && file.get("FailingStreak") instanceof Number n ? n.intValue() : 0;
            List<Object> log = new ArrayList<>();
            if (file != null && file.get("Log") instanceof List<?> l) {
                log.addAll(l);
            }
            log.add(p.json());
            while (log.size() > MAX_LOG) {
                log.remove(0);
            }
            status = before;
            if (p.exitCode == 0) {
                streak = 0;
                status = "healthy";
            } else if (!(before.equals("starting") && p.start - started < hc.startPeriod())) {
                // a failure in the start period, before any success, does not count
                streak++;
                if (streak >= hc.retriesOrDefault()) {
                    status = "unhealthy";
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("StartedAt", startedAt);
            out.put("Status", status);
            out.put("FailingStreak", streak);
            out.put("Log", log);
            // not fsync'd: after a crash the container is not running, and its health is moot
            AtomicFiles.write(dir.resolve(FILE), Json.compact(out).getBytes(StandardCharsets.UTF_8), false);
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot record the health of container " + name + ": "
                + e.getMessage(), e);
        }
        if (!status.equals(before)) {
            Events.container(engine, s, "health_status: " + status);
        }
        // docker's getInterval: the start interval while in the start period and not yet healthy
        boolean early = Timestamps.nowNanos() - started < hc.startPeriod() && status.equals("starting");
        return new Report(status, streak, p.exitCode, p.output,
            millis(early ? hc.startIntervalOrDefault() : hc.intervalOrDefault()));
    }

    /** The image's Shell for a CMD-SHELL test (docker's getShell), else none: {@code /bin/sh -c}. */
    private static List<String> shell(Map<String, Object> s) {
        List<String> out = new ArrayList<>();
        Map<String, Object> config = Json.map(s, "Config");
        if (config != null && config.get("Shell") instanceof List<?> l) {
            for (Object o : l) {
                out.add(String.valueOf(o));
            }
        }
        return out;
    }

    /** One probe's result, as docker's HealthcheckResult. */
    private record Probe(long start, long end, int exitCode, String output) {
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Start", Timestamps.format(start));
            m.put("End", Timestamps.format(end));
            m.put("ExitCode", exitCode);
            m.put("Output", output);
            return m;
        }
    }

    /**
     * Execs the probe in the container with its user, environment and working directory, its
     * stdout and stderr kept together up to 4096 bytes; a probe that outlives the timeout is
     * killed (SIGKILL) and waited for, as docker does, and reads as exit code -1.
     */
    private static Probe probe(Engine engine, String id, HealthConfig hc, List<String> shell) {
        long start = Timestamps.nowNanos();
        Limited out = new Limited();
        Attachment a;
        try {
            a = engine.exec(id, ExecRequest.of(hc.probe(shell)));
        } catch (EngineException e) {
            return new Probe(start, Timestamps.nowNanos(), -1, e.getMessage());
        }
        int[] code = {-1};
        Thread reader = new Thread(() -> {
            try {
                code[0] = a.pipeOutput(out, out);
            } catch (IOException e) {
                code[0] = -1;
            }
        }, "healthcheck");
        reader.setDaemon(true);
        reader.start();
        boolean timedOut = false;
        try {
            long left = hc.timeoutOrDefault();
            reader.join(left / 1_000_000, (int) (left % 1_000_000));
            if (reader.isAlive()) {
                timedOut = true;
                a.signal(dev.berth.linux.Signals.SIGKILL);
                reader.join(); // the monitor reports its exit once it is reaped
            }
        } catch (InterruptedException | IOException e) {
            timedOut = true;
        } finally {
            a.close();
        }
        long end = Timestamps.nowNanos();
        if (timedOut) {
            return new Probe(start, end, -1, "Health check exceeded timeout (" + goDuration(hc.timeoutOrDefault()) + ")");
        }
        return new Probe(start, end, code[0], out.text());
    }

    /** The first 4096 bytes written, and "..." when there was more (docker's limitedBuffer). */
    private static final class Limited extends OutputStream {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private boolean truncated;

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int keep = Math.min(MAX_OUTPUT - buf.size(), len);
            if (keep > 0) {
                buf.write(b, off, keep);
            }
            truncated |= keep < len;
        }

        synchronized String text() {
            return buf.toString(StandardCharsets.UTF_8) + (truncated ? "..." : "");
        }
    }

    /** Go's Duration.String ({@code 30s}, {@code 1m30s}, {@code 500ms}, {@code 1.5s}), as docker's messages print it. */
    static String goDuration(long nanos) {
        if (nanos == 0) {
            return "0s";
        }
        if (nanos < 1_000_000_000L) {
            if (nanos < 1_000) {
                return nanos + "ns";
            }
            return nanos < 1_000_000 ? fraction(nanos, 1_000) + "µs" : fraction(nanos, 1_000_000) + "ms";
        }
        StringBuilder sb = new StringBuilder();
        long h = nanos / 3_600_000_000_000L;
        long m = nanos / 60_000_000_000L % 60;
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            sb.append(m).append('m');
        }
        return sb.append(fraction(nanos % 60_000_000_000L, 1_000_000_000L)).append('s').toString();
    }

    /** {@code value / unit} with the fraction's trailing zeros left out. */
    private static String fraction(long value, long unit) {
        String frac = Long.toString(unit + value % unit).substring(1);
        int end = frac.length();
        while (end > 0 && frac.charAt(end - 1) == '0') {
            end--;
        }
        return value / unit + (end == 0 ? "" : "." + frac.substring(0, end));
    }
}
