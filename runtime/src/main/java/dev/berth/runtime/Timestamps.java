package dev.berth.runtime;

/**
 * RFC 3339 UTC timestamps with nanoseconds ({@code 2026-11-24T13:02:08.123456789Z}), the form
 * docker writes in inspect. Done by hand because {@code Instant.toString()} initialises
 * java.time's formatter machinery: about a millisecond on every cold command.
 */
public final class Timestamps {
    private static final long NANOS = 1_000_000_000L;

    private Timestamps() {}

    /** Now, in nanoseconds since the epoch. */
    public static long nowNanos() {
        java.time.Instant now = java.time.Instant.now(); // cheap: only its toString() is not
        return now.getEpochSecond() * NANOS + now.getNano();
    }

    public static String now() {
        return format(nowNanos());
    }

    /** Formats nanoseconds since the epoch; trailing zeros of the fraction are dropped, as Go does. */
    public static String format(long epochNanos) {
        long secs = Math.floorDiv(epochNanos, NANOS);
        int nanos = (int) Math.floorMod(epochNanos, NANOS);
        long days = Math.floorDiv(secs, 86_400);
        int sod = (int) Math.floorMod(secs, 86_400);
        // civil date from days since 1970-01-01 (H. Hinnant's algorithm)
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int day = (int) (doy - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        StringBuilder sb = new StringBuilder(30);
        pad(sb, year, 4).append('-');
        pad(sb, month, 2).append('-');
        pad(sb, day, 2).append('T');
        pad(sb, sod / 3600, 2).append(':');
        pad(sb, sod / 60 % 60, 2).append(':');
        pad(sb, sod % 60, 2);
        if (nanos != 0) {
            int digits = 9;
            while (nanos % 10 == 0) {
                nanos /= 10;
                digits--;
            }
            pad(sb.append('.'), nanos, digits);
        }
        return sb.append('Z').toString();
    }

    /**
     * Parses what {@link #format} writes (and any RFC 3339 time in UTC or with an offset) into
     * nanoseconds since the epoch; -1 when it is not such a time.
     */
    public static long parse(String s) {
        try {
            if (s.length() < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
                return -1;
            }
            int year = Integer.parseInt(s, 0, 4, 10);
            int month = Integer.parseInt(s, 5, 7, 10);
            int day = Integer.parseInt(s, 8, 10, 10);
            int h = Integer.parseInt(s, 11, 13, 10);
            int m = Integer.parseInt(s, 14, 16, 10);
            int sec = Integer.parseInt(s, 17, 19, 10);
            int i = 19;
            long nanos = 0;
            if (s.charAt(i) == '.') {
                int start = ++i;
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                String frac = (s.substring(start, i) + "000000000").substring(0, 9);
                nanos = Long.parseLong(frac);
            }
            long offset = 0;
            char z = s.charAt(i);
            if (z == '+' || z == '-') {
                int oh = Integer.parseInt(s, i + 1, i + 3, 10);
                int om = Integer.parseInt(s, i + 4, i + 6, 10);
                offset = (z == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
                i += 6;
            } else if (z == 'Z' || z == 'z') {
                i++;
            } else {
                return -1;
            }
            if (i != s.length() || month < 1 || month > 12 || day < 1 || day > 31 || h > 23 || m > 59 || sec > 60) {
                return -1;
            }
            long days = daysFromCivil(year, month, day);
            return ((days * 86_400 + h * 3600L + m * 60L + sec) - offset) * NANOS + nanos;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static long daysFromCivil(long y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }

    private static StringBuilder pad(StringBuilder sb, long v, int width) {
        String digits = Long.toString(v);
        for (int i = digits.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(digits);
    }
}
