package dev.berth.net;

/**
 * An address handed out to one container on one network.
 *
 * @param mac docker's {@code 02:42:} followed by the address bytes
 */
public record Allocation(String network, String containerId, String address, int prefixLength, String gateway,
                         String mac) {
    /** {@code address/prefix}, as {@code ip addr add} takes it. */
    public String cidr() {
        return address + "/" + prefixLength;
    }

    static Allocation of(Network n, String containerId, int address) {
        return new Allocation(n.name(), containerId, Inet4.format(address), n.subnet().prefix(), n.gatewayAddress(),
            Inet4.mac(address));
    }
}
