package dev.berth.runtime.events;

import dev.berth.runtime.Timestamps;

/**
 * The times {@code docker events --since/--until} (and {@code logs --since}) take, as the docker
 * CLI reads them: a Go duration before now ({@code 10m}, {@code 1h30m}, {@code 1.5s}), Unix
 * seconds with an optional fraction ({@code 1700000000.5}), or an RFC 3339 time (a date or a
 * time without a zone is taken as UTC, where docker takes the local zone).
 */
public final class EventTimes {
    private EventTimes() {}

    /** Nanoseconds since the epoch; {@code IllegalArgumentException} names what is accepted. */
    public static long parse(String value, long nowNanos) {
        String v = value.strip();
        if (v.isEmpty()) {
            throw bad(value);
        }
        long d = duration(v);
        if (d >= 0) {
            return nowNanos - d;
        }
        if (unix(v)) {
            int dot = v.indexOf('.');
            long secs = Long.parseLong(dot < 0 ? v : v.substring(0, dot));
            long nanos = 0;
            if (dot >= 0) {
                String frac = (v.substring(dot + 1) + "000000000").substring(0, 9);
                nanos = Long.parseLong(frac);
            }
            return secs * 1_000_000_000L + nanos;
        }
        String t = v;
        if (t.length() == 10) {
            t += "T00:00:00Z";
        } else if (t.indexOf('T') == 10 && !t.endsWith("Z") && t.indexOf('+', 10) < 0 && t.indexOf('-', 10) < 0) {
            t += "Z";
        }
        long n = Timestamps.parse(t);
        if (n == -1) {
            throw bad(value);
        }
        return n;
    }

    private static IllegalArgumentException bad(String value) {
        return new IllegalArgumentException("invalid time \"" + value + "\": give a duration before now (10m, 1h30m),"
            + " Unix seconds (1700000000.5) or an RFC 3339 time (2024-01-02T15:04:05Z)");
    }

    private static boolean unix(String v) {
        int dots = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots <= 1 && v.charAt(0) != '.';
    }

    /** A Go duration in nanoseconds ({@code 1h30m}, {@code 1.5h}, {@code 300ms}), or -1 when {@code v} is not one. */
    public static long duration(String v) {
        int i = 0;
        double total = 0;
        boolean any = false;
        while (i < v.length()) {
            int start = i;
            while (i < v.length() && (Character.isDigit(v.charAt(i)) || v.charAt(i) == '.')) {
                i++;
            }
            if (i == start) {
                return -1;
            }
            double n;
            try {
                n = Double.parseDouble(v.substring(start, i));
            } catch (NumberFormatException e) {
                return -1;
            }
            int u = i;
            while (i < v.length() && !Character.isDigit(v.charAt(i)) && v.charAt(i) != '.') {
                i++;
            }
            double unit = switch (v.substring(u, i)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                default -> -1;
            };
            if (unit < 0) {
                return -1;
            }
            total += n * unit;
            any = true;
        }
        return any ? (long) total : -1;
    }
}
