package dev.berth.linux.netlink;

import java.net.InetAddress;

/**
 * A route of the main table.
 *
 * @param destination the network, {@code 0.0.0.0} or {@code ::} with prefix 0 for the default
 * @param gateway     the next hop, null for a route straight out of {@code oif}
 * @param oif         ifindex of the outgoing link, 0 when the kernel reported none
 * @param protocol    RTPROT: 2 kernel (from an address), 3 boot (added by hand), 4 static
 * @param scope       RT_SCOPE: 0 universe (via a gateway), 253 link
 * @param metric      RTA_PRIORITY, 0 when absent
 */
public record Route(InetAddress destination, int prefix, InetAddress gateway, int oif, int protocol, int scope,
        int metric) {
    public boolean isDefault() {
        return prefix == 0;
    }
}
