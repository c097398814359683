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

    private HostRoutes() {}

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
