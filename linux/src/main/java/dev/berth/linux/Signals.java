package dev.berth.linux;

import java.util.Locale;

/** Signal names and numbers of Linux on x86-64 and arm64, as kill(1) and docker accept them. */
public final class Signals {
    private static final String[] NAMES = {
        null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
        "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
        "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"
    };
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    private static final int SIGRTMIN = 34;
    private static final int SIGRTMAX = 64;

    private Signals() {}

    /**
     * Parses {@code 9}, {@code KILL}, {@code SIGKILL}, {@code sigkill} or {@code RTMIN+3}.
     *
     * @throws IllegalArgumentException naming the value when it is no signal
     */
    public static int parse(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (!s.isEmpty() && Character.isDigit(s.charAt(0))) {
            int n;
            try {
                n = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > SIGRTMAX) {
                throw new IllegalArgumentException("invalid signal: " + text);
            }
            return n;
        }
        if (s.startsWith("SIG")) {
            s = s.substring(3);
        }
        for (int i = 1; i < NAMES.length; i++) {
            if (NAMES[i].equals(s)) {
                return i;
            }
        }
        if (s.equals("IOT")) {
            return 6;
        }
        if (s.equals("POLL")) {
            return 29;
        }
        if (s.startsWith("RTMIN") || s.startsWith("RTMAX")) {
            int base = s.startsWith("RTMIN") ? SIGRTMIN : SIGRTMAX;
            String rest = s.substring(5);
            try {
                int off = rest.isEmpty() ? 0 : Integer.parseInt(rest);
                int n = base + off;
                if (n >= SIGRTMIN && n <= SIGRTMAX) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // fall through to the error
            }
        }
        throw new IllegalArgumentException("invalid signal: " + text);
    }

    /** {@code SIGTERM} for 15; {@code SIGRTMIN+2} for 36. */
    public static String name(int signal) {
        if (signal > 0 && signal < NAMES.length) {
            return "SIG" + NAMES[signal];
        }
        if (signal >= SIGRTMIN && signal <= SIGRTMAX) {
            return "SIGRTMIN+" + (signal - SIGRTMIN);
        }
        return "signal " + signal;
    }
}
