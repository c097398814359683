package dev.berth.engine;

import java.util.Locale;

/** Sizes as docker's flags write them. */
public final class Sizes {
    private Sizes() {}

    /** docker's sizes: {@code 512}, {@code 64k}, {@code 512m}, {@code 2g} (powers of 1024). */
    public static long bytes(String flag, String v) throws EngineException {
        String s = v.strip().toLowerCase(Locale.ROOT);
        if (s.endsWith("b") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) {
            s = s.substring(0, s.length() - 1); // "512mb"
        }
        long unit = 1;
        char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        int shift = "kmgtp".indexOf(last);
        if (shift >= 0) {
            unit = 1L << (10 * (shift + 1));
            s = s.substring(0, s.length() - 1);
        } else if (last == 'b') {
            s = s.substring(0, s.length() - 1);
        }
        try {
            double n = Double.parseDouble(s);
            if (n >= 0 && !s.isEmpty() && Character.isDigit(s.charAt(0))) {
                return (long) (n * unit);
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new EngineException.InvalidArgument("invalid size \"" + v + "\" for " + flag
            + ": use a number with an optional unit b, k, m or g (e.g. 512m)");
    }

}
