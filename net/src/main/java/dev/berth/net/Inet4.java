package dev.berth.net;

/**
 * IPv4 addresses as {@code int}s (network order read as an unsigned number: 10.0.0.1 is
 * 0x0a000001), parsed by hand: no regular expression, no InetAddress (which may look names
 * up), and strict about what docker refuses too (leading zeros, which some parsers read as
 * octal).
 */
public final class Inet4 {
    private Inet4() {}

    /** The address, or throws IllegalArgumentException with the reason. */
    public static int parse(String s) {
        int value = 0;
        int parts = 0;
        int i = 0;
        int n = s.length();
        while (true) {
            int start = i;
            int octet = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                octet = octet * 10 + (s.charAt(i) - '0');
                i++;
                if (i - start > 3) {
                    throw new IllegalArgumentException("not an IPv4 address: " + s);
                }
            }
            if (i == start || octet > 255 || (i - start > 1 && s.charAt(start) == '0')) {
                throw new IllegalArgumentException("not an IPv4 address: " + s);
            }
            value = (value << 8) | octet;
            parts++;
            if (parts == 4) {
                if (i != n) {
                    throw new IllegalArgumentException("not an IPv4 address: " + s);
                }
                return value;
            }
            if (i >= n || s.charAt(i) != '.') {
                throw new IllegalArgumentException("not an IPv4 address: " + s);
            }
            i++;
        }
    }

    /** True when {@code s} is a dotted-quad IPv4 address. */
    public static boolean valid(String s) {
        try {
            parse(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static String format(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
    }

    /** docker's MAC for an IPv4 address: 02:42 and the four address bytes. */
    public static String mac(int a) {
        StringBuilder sb = new StringBuilder(17).append("02:42");
        for (int shift = 24; shift >= 0; shift -= 8) {
            int b = (a >>> shift) & 255;
            sb.append(':').append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 15, 16));
        }
        return sb.toString();
    }
}
