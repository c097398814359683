package dev.berth.engine;

import dev.berth.runtime.Timestamps;
import java.time.Duration;
import java.util.Map;

/** Times as docker prints them, for the CLI's tables and the API's container list alike. */
public final class HumanTime {
    private HumanTime() {}

    /** "3 seconds", "About a minute", "2 hours", as docker's units.HumanDuration. */
    public static String duration(Duration d) {
        long s = d.toSeconds();
        if (s < 1) {
            return "Less than a second";
        } else if (s == 1) {
            return "1 second";
        } else if (s < 60) {
            return s + " seconds";
        }
        long m = d.toMinutes();
        if (m == 1) {
            return "About a minute";
        } else if (m < 60) {
            return m + " minutes";
        }
        long h = Math.round(d.toMinutes() / 60.0);
        if (h == 1) {
            return "About an hour";
        } else if (h < 48) {
            return h + " hours";
        } else if (h < 24 * 7 * 2) {
            return h / 24 + " days";
        } else if (h < 24 * 30 * 2) {
            return h / 24 / 7 + " weeks";
        } else if (h < 24 * 365 * 2) {
            return h / 24 / 30 + " months";
        }
        return h / 24 / 365 + " years";
    }

    /**
     * docker's status column: "Up 3 minutes", "Up 3 minutes (healthy)", "Up 1 second (health: starting)",
     * "Up 2 hours (Paused)", "Exited (1) 2 hours ago", "Created".
     */
    public static String status(Map<String, Object> state, long nowNanos) {
        return Status.of(state).at(nowNanos);
    }

    /**
     * The status column made once and printed many times (the daemon's container list): what
     * comes before the duration, the time it counts from, and what comes after.
     */
    public static final class Status {
        private final String before;
        /** Nanoseconds since the epoch; Long.MIN_VALUE when there is no duration. */
        private final long since;
        private final String after;

        private Status(String before, long since, String after) {
            this.before = before;
            this.since = since;
            this.after = after;
        }

        public static Status of(Map<String, Object> state) {
            switch (String.valueOf(state.get("Status"))) {
                case "running":
                    return new Status("Up ", time(state.get("StartedAt")), health(state.get("Health")));
                case "paused":
                    return new Status("Up ", time(state.get("StartedAt")), " (Paused)");
                case "exited":
                    return new Status("Exited (" + state.get("ExitCode") + ") ", time(state.get("FinishedAt")), " ago");
                case "dead":
                    return new Status("Dead", Long.MIN_VALUE, "");
                default:
                    return new Status("Created", Long.MIN_VALUE, "");
            }
        }

        /** -1 when unknown (a duration of 0, as {@link #since}). */
        private static long time(Object rfc3339) {
            long then = Timestamps.parse(String.valueOf(rfc3339));
            return then < 0 ? -1 : then;
        }

        public String at(long nowNanos) {
            if (since == Long.MIN_VALUE) {
                return before;
            }
            return before + duration(Duration.ofNanos(since < 0 ? 0 : Math.max(0, nowNanos - since))) + after;
        }
    }

    /** docker's Health.String: " (health: starting)", " (healthy)", " (unhealthy)"; nothing without a healthcheck. */
    private static String health(Object health) {
        if (!(health instanceof Map<?, ?> h) || h.get("Status") == null) {
            return "";
        }
        String status = String.valueOf(h.get("Status"));
        return status.equals("starting") ? " (health: starting)" : " (" + status + ")";
    }

    /** How long ago an RFC 3339 time was, as {@link #duration}. */
    public static String since(Object rfc3339, long nowNanos) {
        long then = Timestamps.parse(String.valueOf(rfc3339));
        return duration(Duration.ofNanos(then < 0 ? 0 : Math.max(0, nowNanos - then)));
    }
}
