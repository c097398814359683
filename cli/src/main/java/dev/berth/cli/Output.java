package dev.berth.cli;

import dev.berth.cli.template.GoTemplate;
import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Text shapes shared by the commands: JSON, tables, docker's human durations. */
final class Output {
    /** go-units' unit names: docker's sizes in powers of 1000 and of 1024. */
    private static final String[] DECIMAL = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    private static final String[] BINARY = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};

    private Output() {}

    static String prettyJson(Object value) {
        return Json.pretty(value);
    }

    static String compactJson(Object value) {
        return Json.compact(value);
    }

    /** "3 seconds", "About a minute", "2 hours", as docker's units.HumanDuration. */
    static String human(Duration d) {
        return dev.berth.engine.HumanTime.duration(d);
    }

    static Duration since(String isoTime) {
        long then = Timestamps.parse(isoTime);
        return then < 0 ? Duration.ZERO : Duration.ofNanos(Math.max(0, Timestamps.nowNanos() - then));
    }

    /** docker's units.BytesSize: powers of 1024, four significant digits ("1.5MiB", "7.629GiB", "0B"). */
    static String bytesSize(double size) {
        return size(size, 1024, BINARY, "%.4g%s");
    }

    /** docker's units.HumanSizeWithPrecision(size, 3): powers of 1000 ("1.23kB", "648B"). */
    static String humanSize(double size) {
        return size(size, 1000, DECIMAL, "%.3g%s");
    }

    /** docker's units.HumanSize (precision 4): prune's reclaimed space and system df ("4.262MB"). */
    static String humanSize4(double size) {
        return size(size, 1000, DECIMAL, "%.4g%s");
    }

    private static String size(double size, double base, String[] units, String format) {
        int i = 0;
        while (size >= base && i < units.length - 1) {
            size /= base;
            i++;
        }
        return GoTemplate.sprintf(format, size, units[i]);
    }

    /**
     * Lines of tab-separated cells in columns, as docker's tabwriter lays out its tables: each
     * cell followed by a tab is padded to its column's widest plus three, at least ten wide;
     * what follows the last tab of a line is not a column.
     */
    static String tabs(List<String> lines) {
        List<String[]> rows = new ArrayList<>();
        int[] width = new int[0];
        for (String line : lines) {
            String[] cells = line.split("\t", -1);
            rows.add(cells);
            if (cells.length - 1 > width.length) {
                width = Arrays.copyOf(width, cells.length - 1);
            }
            for (int i = 0; i < cells.length - 1; i++) {
                width[i] = Math.max(width[i], Math.max(10, cells[i].length() + 3));
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] cells : rows) {
            for (int i = 0; i < cells.length; i++) {
                sb.append(cells[i]);
                if (i < cells.length - 1) {
                    sb.append(" ".repeat(width[i] - cells[i].length()));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
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
