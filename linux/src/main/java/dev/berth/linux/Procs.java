package dev.berth.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about processes read from {@code /proc}, without a native call. */
public final class Procs {
    private Procs() {}

    /**
     * The start time of a process in clock ticks since boot (field 22 of {@code /proc/PID/stat}),
     * or -1 when there is no such process. A pid together with its start time names one process
     * even after the pid is reused.
     */
    public static long startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // the command name may hold spaces and parentheses: fields start after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[19]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** True when the process exists and is not a zombie. */
    public static boolean alive(long pid, long startTime) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return !f[0].equals("Z") && !f[0].equals("X")
                && (startTime < 0 || Long.parseLong(f[19]) == startTime);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The effective uid of this process, from {@code /proc/self/status}. */
    /** The n-th whitespace-separated field of a line, as a number (no regex: a cold start pays for one). */
    private static int field(String line, int n) {
        int i = 0;
        for (int k = 0; ; k++) {
            while (i < line.length() && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < line.length() && !Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (k == n) {
                return Integer.parseInt(line, start, i, 10);
            }
        }
    }

    public static int effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return field(line, 2); // Uid: real effective saved filesystem
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return -1;
    }
}
