package dev.berth.linux;

/** Fields of {@code /proc/PID/mountinfo}. */
public final class Mountinfo {
    private Mountinfo() {}

    /** mountinfo writes space, tab, newline and backslash as a backslash and three octal digits. */
    public static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                try {
                    sb.append((char) Integer.parseInt(s, i + 1, i + 4, 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException e) {
                    // not an escape after all
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
