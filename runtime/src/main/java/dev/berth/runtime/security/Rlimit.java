package dev.berth.runtime.security;

import java.util.Locale;

/** One resource limit; -1 is unlimited. */
public record Rlimit(int resource, long soft, long hard) {
    private static final String[] NAMES = {"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC",
        "NOFILE", "MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"};

    public Rlimit {
        if (soft != -1 && (hard != -1 && Long.compareUnsigned(soft, hard) > 0)) {
            throw new IllegalArgumentException("the soft limit of " + name(resource) + " (" + soft
                + ") is above its hard limit (" + hard + "): lower the soft limit");
        }
    }

    /** The resource of {@code RLIMIT_NOFILE}, {@code nofile} (docker's --ulimit names); -1 if unknown. */
    public static int resource(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        if (n.startsWith("RLIMIT_")) {
            n = n.substring(7);
        }
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(n)) {
                return i;
            }
        }
        return -1;
    }

    public static String name(int resource) {
        return resource >= 0 && resource < NAMES.length ? "RLIMIT_" + NAMES[resource] : "RLIMIT_" + resource;
    }

    /**
     * Docker's {@code --ulimit TYPE=SOFT[:HARD]} ({@code -1} or {@code unlimited} for no limit);
     * a malformed one is an {@link IllegalArgumentException} naming the fix.
     */
    public static Rlimit parseUlimit(String spec) {
        int eq = spec.indexOf('=');
        int resource = eq < 0 ? -1 : resource(spec.substring(0, eq));
        if (eq < 0 || resource < 0) {
            throw new IllegalArgumentException("invalid ulimit \"" + spec + "\": use TYPE=SOFT[:HARD]"
                + " with a type such as nofile, nproc, core, memlock, stack");
        }
        String v = spec.substring(eq + 1);
        int colon = v.indexOf(':');
        long soft = value(spec, colon < 0 ? v : v.substring(0, colon));
        long hard = colon < 0 ? soft : value(spec, v.substring(colon + 1));
        return new Rlimit(resource, soft, hard);
    }

    private static long value(String spec, String v) {
        if (v.equals("-1") || v.equals("unlimited")) {
            return -1;
        }
        try {
            long n = Long.parseLong(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("invalid ulimit \"" + spec + "\": \"" + v
            + "\" is not a number (use -1 or unlimited for no limit)");
    }
}
