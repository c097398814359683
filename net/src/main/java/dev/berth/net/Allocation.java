package dev.berth.net;

/**
 * The addresses handed out to one container on one network.
 *
 * @param mac      docker's {@code 02:42:} followed by the IPv4 address bytes
 * @param address6 its IPv6 address on a dual-stack network, else null (and so its prefix
 *                 length 0 and its gateway null)
 */
public record Allocation(String network, String containerId, String address, int prefixLength, String gateway,
                         String mac, String address6, int prefixLength6, String gateway6) {
    /** An IPv4-only allocation. */
    public Allocation(String network, String containerId, String address, int prefixLength, String gateway, String mac) {
        this(network, containerId, address, prefixLength, gateway, mac, null, 0, null);
    }

    /** {@code address/prefix}, as {@code ip addr add} takes it. */
    public String cidr() {
        return address + "/" + prefixLength;
    }

    /** {@code address6/prefix6}, or "" without IPv6 (docker's IPv6Address in network inspect). */
    public String cidr6() {
        return address6 == null ? "" : address6 + "/" + prefixLength6;
    }

    static Allocation of(Network n, String containerId, int address, Ip6 address6) {
        return new Allocation(n.name(), containerId, Inet4.format(address), n.subnet().prefix(), n.gatewayAddress(),
            Inet4.mac(address), address6 == null ? null : address6.toString(),
            address6 == null ? 0 : n.subnet6().prefix(), address6 == null ? null : n.gateway6().toString());
    }
}
