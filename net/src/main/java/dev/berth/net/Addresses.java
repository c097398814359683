package dev.berth.net;

import java.net.Inet6Address;

/** Checks of user-given IP literals (--dns, --add-host, -p): IPv4 dotted quads and IPv6. */
final class Addresses {
    private Addresses() {}

    /** The address in canonical text, or null when {@code s} is not an IPv4 or IPv6 literal. */
    static String literal(String s) {
        if (s.indexOf(':') < 0) {
            return Inet4.valid(s) ? s : null;
        }
        if (s.indexOf('%') >= 0) {
            return null; // a zone is meaningless inside a container's namespace
        }
        try {
            // ofLiteral never looks a name up
            return Inet6Address.ofLiteral(s).getHostAddress();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static boolean isLoopback(String s) {
        if (s.indexOf(':') < 0) {
            return s.startsWith("127.");
        }
        String canonical = literal(s);
        return canonical != null && canonical.equals("0:0:0:0:0:0:0:1");
    }

    /** Whether {@code s} has no character that could end a line or a field of /etc files. */
    static boolean plain(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == '#' || c == ';' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }
}
