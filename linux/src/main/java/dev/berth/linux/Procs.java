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
        byte[] stat = stat(pid);
        return stat == null ? -1 : startTime(stat);
    }

    /**
     * A sysctl under {@code /proc/sys}, read in one call from offset 0. Files.readString cannot
     * read them: the size is 0, so it reads one byte first, and a sysctl read at an offset past 0
     * is the end of the file (proc_dointvec), which leaves "3" of "32768\t60999".
     */
    public static String sysctl(Path file) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] b = new byte[4096];
            int n = in.read(b);
            return n <= 0 ? "" : new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** True when the process exists and is not a zombie. */
    public static boolean alive(long pid, long startTime) {
        byte[] stat = stat(pid);
        if (stat == null) {
            return false;
        }
        int i = fieldsStart(stat);
        if (i < 0 || i >= stat.length || stat[i] == 'Z' || stat[i] == 'X') {
            return false;
        }
        return startTime < 0 || startTime(stat) == startTime;
    }

    private static byte[] stat(long pid) {
        try {
            return Files.readAllBytes(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Where field 3 (state) starts: after the last ')', since the name may hold both. */
    private static int fieldsStart(byte[] stat) {
        for (int i = stat.length - 1; i >= 0; i--) {
            if (stat[i] == ')') {
                return i + 2;
            }
        }
        return -1;
    }

    /** Field 22 of /proc/PID/stat, parsed by hand: split() is costly on a cold JVM. */
    private static long startTime(byte[] stat) {
        int i = fieldsStart(stat);
        for (int field = 3; i >= 0 && i < stat.length; field++) {
            int start = i;
            while (i < stat.length && stat[i] != ' ' && stat[i] != '\n') {
                i++;
            }
            if (field == 22) {
                long v = 0;
                for (int k = start; k < i; k++) {
                    v = v * 10 + (stat[k] - '0');
                }
                return v;
            }
            i++;
        }
        return -1;
    }

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

    /**
     * The effective uid of this process, from {@code /proc/self/status}, read once: berth never
     * changes the ids of its JVM, and the engine asks several times per container (each read
     * parsed the whole file: about a sixth of what a daemon allocated per {@code docker run}).
     */
    public static int effectiveUid() {
        return Ids.UID;
    }

    /** The effective gid of this process, read once as {@link #effectiveUid()}. */
    public static int effectiveGid() {
        return Ids.GID;
    }

    /**
     * This process's pid, read once from the {@code /proc/self} link: {@code ProcessHandle.current()}
     * sets up the JDK's process reaper (a thread pool, VarHandles: ~1 ms on a cold JVM).
     */
    public static long self() {
        return Self.PID;
    }

    /**
     * The value of one line of this process's {@code /proc/self/status} as it was at the first
     * ask ({@code CapBnd:} gives {@code 000001ffffffffff}), or null when there is no such line:
     * for what berth's JVM never changes, its ids and bounding set.
     */
    public static String selfStatus(String key) {
        String s = Status.TEXT;
        int at = s.startsWith(key) ? 0 : s.indexOf("\n" + key);
        if (at < 0) {
            return null;
        }
        int start = at == 0 ? key.length() : at + 1 + key.length();
        int end = s.indexOf('\n', start);
        return s.substring(start, end < 0 ? s.length() : end).strip();
    }

    /** Read on first use (a holder class: no cost for commands that never ask). */
    private static final class Ids {
        static final int UID = statusId("Uid:");
        static final int GID = statusId("Gid:");
    }

    private static final class Status {
        /** One read: a FileInputStream, lighter on a cold JVM than Files' channel and decoder. */
        static final String TEXT = read();

        private static String read() {
            try (java.io.FileInputStream in = new java.io.FileInputStream("/proc/self/status")) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                return "";
            }
        }
    }

    private static final class Self {
        static final long PID = pid();

        private static long pid() {
            try {
                return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
            } catch (IOException | RuntimeException e) {
                return ProcessHandle.current().pid(); // no /proc mounted
            }
        }
    }

    private static int statusId(String key) {
        String line = selfStatus(key);
        try {
            return line == null ? -1 : field(line, 1); // real effective saved filesystem
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
