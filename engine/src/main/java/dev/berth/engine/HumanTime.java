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
        switch (String.valueOf(state.get("Status"))) {
            case "running":
                return "Up " + since(state.get("StartedAt"), nowNanos) + health(state.get("Health"));
            case "paused":
                return "Up " + since(state.get("StartedAt"), nowNanos) + " (Paused)";
            case "exited":
                return "Exited (" + state.get("ExitCode") + ") " + since(state.get("FinishedAt"), nowNanos) + " ago";
            case "dead":
                return "Dead";
            default:
                return "Created";
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
