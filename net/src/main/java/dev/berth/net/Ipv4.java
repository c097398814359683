package dev.berth.net;

/**
 * IPv4 addresses and prefixes, parsed strictly by hand: {@code InetAddress.getByName} would
 * resolve a host name, and a firewall rule must never depend on DNS.
 */
final class Ipv4 {
    private Ipv4() {}

    /** {@code 172.18.0.2} as a 32-bit number. */
    static int parse(String text, String what) {
        String[] parts = text.strip().split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException(what + " " + text + " is not an IPv4 address (a.b.c.d)");
        }
        int value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
                throw new IllegalArgumentException(what + " " + text + " is not an IPv4 address (a.b.c.d)");
            }
            int n = 0;
            for (int i = 0; i < part.length(); i++) {
                char c = part.charAt(i);
                if (c < '0' || c > '9') {
                    throw new IllegalArgumentException(what + " " + text + " is not an IPv4 address (a.b.c.d)");
                }
                n = n * 10 + (c - '0');
            }
            if (n > 255) {
                throw new IllegalArgumentException(what + " " + text + " is not an IPv4 address (a.b.c.d)");
            }
            value = value << 8 | n;
        }
        return value;
    }

    static String format(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 255) + "." + (address >>> 8 & 255) + "." + (address & 255);
    }

    /** A network {@code 172.18.0.0/16}: its address has no bits set past the prefix. */
    record Subnet(int address, int length) {
        static Subnet parse(String text) {
            int slash = text.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("subnet " + text + " has no prefix length: write it as a.b.c.d/len");
            }
            int address = Ipv4.parse(text.substring(0, slash), "subnet");
            int length;
            try {
                length = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                length = -1;
            }
            if (length < 0 || length > 32) {
                throw new IllegalArgumentException("subnet " + text + " has a bad prefix length: use 0-32");
            }
            Subnet subnet = new Subnet(address & mask(length), length);
            if (subnet.address != address) {
                throw new IllegalArgumentException("subnet " + text + " has host bits set: use " + subnet);
            }
            return subnet;
        }

        boolean overlaps(Subnet other) {
            int m = mask(Math.min(length, other.length));
            return (address & m) == (other.address & m);
        }

        @Override
        public String toString() {
            return format(address) + "/" + length;
        }

        private static int mask(int length) {
            return length == 0 ? 0 : -1 << (32 - length);
        }
    }
}
