package dev.berth.image;

/**
 * Go's {@code path.Match}, which docker's {@code reference=} filter uses: {@code *} and
 * {@code ?} match anything but {@code /}, {@code [a-z]} and {@code [^a-z]} classes, {@code \}
 * escapes. No regular expressions (docs/conventions.md).
 */
public final class Glob {
    private Glob() {}

    /** True when {@code name} matches {@code pattern} entirely. */
    public static boolean matches(String pattern, String name) throws ImageException.InvalidArgument {
        validate(pattern);
        return match(pattern, 0, name, 0);
    }

    private static boolean match(String p, int pi, String s, int si) throws ImageException.InvalidArgument {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '*') {
                while (pi < p.length() && p.charAt(pi) == '*') {
                    pi++;
                }
                for (int k = si; ; k++) {
                    if (match(p, pi, s, k)) {
                        return true;
                    }
                    if (k >= s.length() || s.charAt(k) == '/') {
                        return false;
                    }
                }
            }
            if (si >= s.length()) {
                return false;
            }
            char ch = s.charAt(si);
            if (c == '?') {
                if (ch == '/') {
                    return false;
                }
                pi++;
            } else if (c == '[') {
                int end = classEnd(p, pi);
                if (ch == '/' || !inClass(p, pi + 1, end, ch)) {
                    return false;
                }
                pi = end + 1;
            } else {
                if (c == '\\') {
                    pi++;
                    c = p.charAt(pi);
                }
                if (c != ch) {
                    return false;
                }
                pi++;
            }
            si++;
        }
        return si == s.length();
    }

    /** The index of the {@code ]} closing the class that starts at {@code open}. */
    private static int classEnd(String p, int open) throws ImageException.InvalidArgument {
        int i = open + 1;
        if (i < p.length() && p.charAt(i) == '^') {
            i++;
        }
        boolean first = true;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == ']' && !first) {
                return i;
            }
            if (c == '\\') {
                i++;
            }
            first = false;
            i++;
        }
        throw bad(p);
    }

    private static boolean inClass(String p, int from, int end, char ch) {
        boolean negate = from < end && p.charAt(from) == '^';
        int i = negate ? from + 1 : from;
        boolean hit = false;
        while (i < end) {
            char lo = p.charAt(i);
            if (lo == '\\') {
                lo = p.charAt(++i);
            }
            char hi = lo;
            if (i + 2 < end && p.charAt(i + 1) == '-') {
                hi = p.charAt(i + 2);
                if (hi == '\\') {
                    hi = p.charAt(i + 3);
                    i++;
                }
                i += 2;
            }
            if (ch >= lo && ch <= hi) {
                hit = true;
            }
            i++;
        }
        return hit != negate;
    }

    private static void validate(String p) throws ImageException.InvalidArgument {
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\') {
                if (++i >= p.length()) {
                    throw bad(p);
                }
            } else if (c == '[') {
                int end = classEnd(p, i);
                if (end == i + 1 || (end == i + 2 && p.charAt(i + 1) == '^')) {
                    throw bad(p);
                }
                i = end;
            } else if (c == ']') {
                // a lone ']' is a literal in Go too
            }
        }
    }

    private static ImageException.InvalidArgument bad(String p) {
        return new ImageException.InvalidArgument("syntax error in pattern \"" + p + "\": check its brackets and backslashes");
    }
}
