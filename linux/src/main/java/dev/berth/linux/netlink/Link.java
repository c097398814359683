package dev.berth.linux.netlink;

/**
 * A network interface as the kernel reports it.
 *
 * @param index     ifindex, unique in its namespace
 * @param kind      IFLA_INFO_KIND ({@code bridge}, {@code veth}), empty for loopback and hardware
 * @param type      ARPHRD type (1 ethernet, 772 loopback)
 * @param flags     IFF_* flags ({@link #up()} is IFF_UP)
 * @param mac       {@code 02:42:ac:11:00:02}, empty when the link has no hardware address
 * @param master    ifindex of the bridge it is enslaved to, 0 for none
 * @param operstate RFC 2863 state: {@code UP}, {@code DOWN}, {@code LOWERLAYERDOWN}, {@code UNKNOWN}...
 */
public record Link(int index, String name, String kind, int type, int flags, int mtu, String mac, int master,
        String operstate) {
    static final int IFF_UP = 0x1;

    /** Administratively up (IFF_UP); {@link #operstate} says whether it carries traffic. */
    public boolean up() {
        return (flags & IFF_UP) != 0;
    }
}
