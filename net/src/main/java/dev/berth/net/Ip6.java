package dev.berth.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv6 address as two longs (the first and last 64 bits, read as unsigned numbers), so that
 * the allocator can count in a subnet without BigInteger. Parsed by the JDK's literal parser
 * (which never looks a name up), printed in RFC 5952's short form as docker and iproute2 print
 * it ({@code fd00:1::2}, not Java's {@code fd00:1:0:0:0:0:0:2}).
 */
public record Ip6(long hi, long lo) implements Comparable<Ip6> {
    /** The address, or throws IllegalArgumentException: IPv4, mapped IPv4, a zone or a name are refused. */
    public static Ip6 parse(String s) {
        if (s.indexOf(':') < 0 || s.indexOf('%') >= 0) {
            throw new IllegalArgumentException("not an IPv6 address: " + s);
        }
        InetAddress a;
        try {
            a = Inet6Address.ofLiteral(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IPv6 address: " + s, e);
        }
        if (!(a instanceof Inet6Address)) { // ::ffff:1.2.3.4 comes back as IPv4
            throw new IllegalArgumentException("not an IPv6 address (a mapped IPv4 one): " + s);
        }
        return of(a.getAddress());
    }

    /** True when {@code s} is an IPv6 literal {@link #parse} takes. */
    public static boolean valid(String s) {
        try {
            parse(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static Ip6 of(byte[] b) {
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (b[i] & 0xff);
            lo = (lo << 8) | (b[i + 8] & 0xff);
        }
        return new Ip6(hi, lo);
    }

    public byte[] bytes() {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[i + 8] = (byte) (lo >>> (56 - 8 * i));
        }
        return b;
    }

    public InetAddress inet() {
        try {
            return InetAddress.getByAddress(bytes());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes are always an address
        }
    }

    /** This address plus {@code n} (unsigned), carried into the high half. */
    public Ip6 plus(long n) {
        long l = lo + n;
        return new Ip6(Long.compareUnsigned(l, lo) < 0 ? hi + 1 : hi, l);
    }

    @Override
    public int compareTo(Ip6 o) {
        int c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    /** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as {@code ::}. */
    @Override
    public String toString() {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            g[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
