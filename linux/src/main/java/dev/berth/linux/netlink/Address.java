package dev.berth.linux.netlink;

import java.net.InetAddress;

/**
 * An address of a link.
 *
 * @param index     ifindex of its link
 * @param broadcast the IPv4 broadcast address, null when none (and for IPv6)
 * @param scope     RT_SCOPE: 0 global, 253 link, 254 host
 */
public record Address(int index, InetAddress address, int prefix, InetAddress broadcast, int scope) {}
