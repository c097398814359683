package dev.berth.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker's {@code Config.Healthcheck}: the test and its timing, durations in nanoseconds where
 * 0 means docker's default (interval 30 s, timeout 30 s, start period 0, start interval 5 s,
 * retries 3). {@code test} is {@code ["CMD", argv...]}, {@code ["CMD-SHELL", command]},
 * {@code ["NONE"]} (no check, not even the image's) or empty (the image's test).
 *
 * <pre>{@code
 * ContainerRequest.image("busybox").healthcheck(
 *     HealthConfig.shell("test -f /ready").interval(500_000_000L).retries(2));
 * }</pre>
 */
public record HealthConfig(List<String> test, long interval, long timeout, long startPeriod, long startInterval,
    int retries) {
    public static final long DEFAULT_INTERVAL = 30_000_000_000L;
    public static final long DEFAULT_TIMEOUT = 30_000_000_000L;
    public static final long DEFAULT_START_INTERVAL = 5_000_000_000L;
    public static final int DEFAULT_RETRIES = 3;
    /** docker's smallest duration in a healthcheck (the API's MinimumDuration). */
    public static final long MINIMUM = 1_000_000L;

    public HealthConfig {
        test = List.copyOf(test);
    }

    /** No timing of its own: the image's test (and timing) with what the setters give. */
    public static HealthConfig inherit() {
        return new HealthConfig(List.of(), 0, 0, 0, 0, 0);
    }

    /** {@code --health-cmd}: the command run by the container's shell. */
    public static HealthConfig shell(String command) {
        return new HealthConfig(List.of("CMD-SHELL", command), 0, 0, 0, 0, 0);
    }

    /** {@code ["CMD", argv...]}: the program run as it is, without a shell. */
    public static HealthConfig exec(List<String> argv) {
        List<String> t = new ArrayList<>();
        t.add("CMD");
        t.addAll(argv);
        return new HealthConfig(t, 0, 0, 0, 0, 0);
    }

    /** {@code --no-healthcheck}: no check, whatever the image says. */
    public static HealthConfig none() {
        return new HealthConfig(List.of("NONE"), 0, 0, 0, 0, 0);
    }

    public HealthConfig interval(long nanos) {
        return new HealthConfig(test, nanos, timeout, startPeriod, startInterval, retries);
    }

    public HealthConfig timeout(long nanos) {
        return new HealthConfig(test, interval, nanos, startPeriod, startInterval, retries);
    }

    public HealthConfig startPeriod(long nanos) {
        return new HealthConfig(test, interval, timeout, nanos, startInterval, retries);
    }

    public HealthConfig startInterval(long nanos) {
        return new HealthConfig(test, interval, timeout, startPeriod, nanos, retries);
    }

    public HealthConfig retries(int n) {
        return new HealthConfig(test, interval, timeout, startPeriod, startInterval, n);
    }

    /**
     * docker's checks of a create request (the daemon's validateHealthCheck), with its messages.
     * A test of another kind than CMD, CMD-SHELL or NONE is accepted and never run, as docker does.
     */
    public void validate() throws EngineException {
        check(interval, "Interval");
        check(timeout, "Timeout");
        check(startPeriod, "StartPeriod");
        check(startInterval, "StartInterval");
        if (retries < 0) {
            throw new EngineException.InvalidArgument("Retries in Healthcheck cannot be negative");
        }
    }

    private static void check(long nanos, String name) throws EngineException {
        if (nanos != 0 && nanos < MINIMUM) {
            throw new EngineException.InvalidArgument(name + " in Healthcheck cannot be less than 1ms");
        }
    }

    /**
     * This (the container's) over the image's, field by field as docker merges them: what is
     * not set here comes from {@code image} (null: none).
     */
    HealthConfig over(HealthConfig image) {
        if (image == null) {
            return this;
        }
        return new HealthConfig(test.isEmpty() ? image.test : test, interval == 0 ? image.interval : interval,
            timeout == 0 ? image.timeout : timeout, startPeriod == 0 ? image.startPeriod : startPeriod,
            startInterval == 0 ? image.startInterval : startInterval, retries == 0 ? image.retries : retries);
    }

    /** Whether there is a check to run: a CMD or CMD-SHELL test (not NONE, not none at all). */
    public boolean active() {
        return test.size() > 1 && (test.get(0).equals("CMD") || test.get(0).equals("CMD-SHELL"));
    }

    /** The probe's argv: CMD's as it is, CMD-SHELL's after the shell ({@code /bin/sh -c} unless the image says). */
    List<String> probe(List<String> shell) {
        List<String> out = new ArrayList<>();
        if (test.get(0).equals("CMD-SHELL")) {
            out.addAll(shell.isEmpty() ? List.of("/bin/sh", "-c") : shell);
        }
        out.addAll(test.subList(1, test.size()));
        return out;
    }

    long intervalOrDefault() {
        return interval > 0 ? interval : DEFAULT_INTERVAL;
    }

    long timeoutOrDefault() {
        return timeout > 0 ? timeout : DEFAULT_TIMEOUT;
    }

    long startIntervalOrDefault() {
        return startInterval > 0 ? startInterval : DEFAULT_START_INTERVAL;
    }

    int retriesOrDefault() {
        return retries > 0 ? retries : DEFAULT_RETRIES;
    }

    /** docker's JSON shape: zero durations and retries left out (omitempty), as inspect shows them. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!test.isEmpty()) {
            m.put("Test", new ArrayList<Object>(test));
        }
        put(m, "Interval", interval);
        put(m, "Timeout", timeout);
        put(m, "StartPeriod", startPeriod);
        put(m, "StartInterval", startInterval);
        put(m, "Retries", retries);
        return m;
    }

    private static void put(Map<String, Object> m, String k, long v) {
        if (v != 0) {
            m.put(k, v);
        }
    }

    /** From docker's JSON (an image config, a create request, a state); null for null. */
    public static HealthConfig fromJson(Object json) {
        if (!(json instanceof Map<?, ?> m)) {
            return null;
        }
        List<String> test = new ArrayList<>();
        if (m.get("Test") instanceof List<?> l) {
            for (Object o : l) {
                test.add(String.valueOf(o));
            }
        }
        return new HealthConfig(test, num(m.get("Interval")), num(m.get("Timeout")), num(m.get("StartPeriod")),
            num(m.get("StartInterval")), (int) num(m.get("Retries")));
    }

    private static long num(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }
}
