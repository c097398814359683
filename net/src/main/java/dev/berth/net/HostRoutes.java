package dev.berth.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The IPv4 routes of a network namespace from {@code /proc/net/route} (the reader's own
 * namespace: {@code /proc/net} is {@code /proc/self/net}), so that a new network's subnet does
 * not shadow a network the host already reaches. Read as a file: no netlink needed.
 */
final class HostRoutes {
    /** A route to {@code subnet} through interface {@code device}. */
    record Route(Subnet subnet, String device) {}

    /** An IPv6 route to {@code subnet} through interface {@code device}. */
    record Route6(Subnet6 subnet, String device) {}

    private HostRoutes() {}

    /**
     * The IPv6 routes of {@code /proc/net/ipv6_route} (every table: a local or policy route counts
     * as much as a main one), but the default route, link-local and multicast ones, which no
     * ULA subnet can shadow.
     */
    static List<Route6> read6(Path file) throws NetException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            return List.of(); // no /proc, or IPv6 off in the kernel
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse6(lines);
    }

    /**
     * The interfaces that have IPv6 routes learnt from router advertisements (RTF_ADDRCONF: a
     * SLAAC prefix or a default router), which IPv6 forwarding would make the kernel forget.
     */
    static List<String> learnt(Path file) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file)) {
            String[] f = line.trim().split(" +");
            if (f.length >= 10 && (Long.parseLong(f[8], 16) & 0x40000) != 0 && !out.contains(f[9])) {
                out.add(f[9]);
            }
        }
        return out;
    }

    /** DEST(32 hex) PREFIX(2 hex) SRC SRCPREFIX NEXTHOP METRIC REFCNT USE FLAGS DEVICE, blank-separated. */
    static List<Route6> parse6(List<String> lines) {
        List<Route6> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split(" +");
            if (f.length < 10 || f[0].length() != 32) {
                continue;
            }
            try {
                Ip6 dest = new Ip6(Long.parseUnsignedLong(f[0].substring(0, 16), 16),
                    Long.parseUnsignedLong(f[0].substring(16), 16));
                int prefix = Integer.parseInt(f[1], 16);
                int first = (int) (dest.hi() >>> 48);
                if (prefix == 0 || (first & 0xffc0) == 0xfe80 || (first & 0xff00) == 0xff00) {
                    continue;
                }
                out.add(new Route6(new Subnet6(Subnet6.masked(dest, prefix), prefix), f[9]));
            } catch (IllegalArgumentException e) {
                // a line we do not understand is not a route to avoid
            }
        }
        return out;
    }

    /** Every destination but the default route. */
    static List<Route> read(Path file) throws NetException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            return List.of(); // no /proc (a test, a chroot): nothing to avoid
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(lines);
    }

    /** Iface Destination Gateway Flags RefCnt Use Metric Mask ...: hex in the kernel's (little-endian) byte order. */
    static List<Route> parse(List<String> lines) {
        List<Route> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\t");
            if (f.length < 8) {
                continue;
            }
            try {
                int dest = Integer.reverseBytes(Integer.parseUnsignedInt(f[1].trim(), 16));
                int mask = Integer.reverseBytes(Integer.parseUnsignedInt(f[7].trim(), 16));
                int prefix = Integer.bitCount(mask);
                if (prefix == 0 || mask != Subnet.mask(prefix)) {
                    continue; // the default route, or a mask no CIDR can express
                }
                out.add(new Route(new Subnet(dest & mask, prefix), f[0].trim()));
            } catch (IllegalArgumentException e) {
                // a line we do not understand is not a route to avoid
            }
        }
        return out;
    }
}
