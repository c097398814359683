package dev.berth.cli;

import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import java.time.Duration;
import java.util.List;

/** Text shapes shared by the commands: JSON, tables, docker's human durations. */
final class Output {
    private Output() {}

    static String prettyJson(Object value) {
        return Json.pretty(value);
    }

    static String compactJson(Object value) {
        return Json.compact(value);
    }

    /** "3 seconds", "About a minute", "2 hours", as docker's units.HumanDuration. */
    static String human(Duration d) {
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

    static Duration since(String isoTime) {
        long then = Timestamps.parse(isoTime);
        return then < 0 ? Duration.ZERO : Duration.ofNanos(Math.max(0, Timestamps.nowNanos() - then));
    }

    /** Left-aligned columns separated by three spaces, as docker prints them. */
    static String table(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                sb.append(r[i]);
                if (i < cols - 1) {
                    sb.append(" ".repeat(width[i] - r[i].length() + 3));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
