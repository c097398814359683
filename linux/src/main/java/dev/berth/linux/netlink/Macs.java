package dev.berth.linux.netlink;

/** Hardware addresses between bytes and {@code 02:42:ac:11:00:02}. */
final class Macs {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Macs() {}

    static String format(byte[] mac) {
        if (mac == null || mac.length == 0) {
            return "";
        }
        char[] s = new char[mac.length * 3 - 1];
        for (int i = 0; i < mac.length; i++) {
            if (i > 0) {
                s[i * 3 - 1] = ':';
            }
            s[i * 3] = HEX[(mac[i] >> 4) & 0xf];
            s[i * 3 + 1] = HEX[mac[i] & 0xf];
        }
        return new String(s);
    }

    /** Six colon-separated hex octets; anything else is refused before the kernel sees it. */
    static byte[] parse(String mac) {
        if (mac.length() != 17) {
            throw new IllegalArgumentException("bad MAC address " + mac + ": write six hex octets like 02:42:ac:11:00:02");
        }
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            int hi = Character.digit(mac.charAt(i * 3), 16);
            int lo = Character.digit(mac.charAt(i * 3 + 1), 16);
            if (hi < 0 || lo < 0 || (i < 5 && mac.charAt(i * 3 + 2) != ':')) {
                throw new IllegalArgumentException("bad MAC address " + mac + ": write six hex octets like 02:42:ac:11:00:02");
            }
            b[i] = (byte) (hi << 4 | lo);
        }
        return b;
    }
}
