package dev.berth.linux.netlink;

import dev.berth.linux.ErrnoException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * rtnetlink, spoken directly (no {@code ip} command): one NETLINK_ROUTE socket bound to the
 * network namespace it was opened in, whichever thread uses it afterwards, and which it keeps
 * alive until closed. Links, addresses and routes are its three views. Not for concurrent use.
 *
 * <pre>{@code
 * try (Rtnl host = Rtnl.open(hostNetns)) {
 *     host.links().addBridge("berth0", 1500);
 *     host.links().addVeth("veth1a2b", "eth0", containerNetns);
 *     host.links().setMaster("veth1a2b", "berth0");
 * }
 * }</pre>
 */
public final class Rtnl implements AutoCloseable {
    private static final int RTM_NEWNSID = 88;
    private static final int RTM_GETNSID = 90;
    private static final int NETNSA_NSID = 1;
    private static final int NETNSA_FD = 3;

    private final Channel socket;
    private Links links;
    private Addresses addresses;
    private Routes routes;

    private Rtnl(NetlinkTransport transport) {
        this.socket = new Channel(transport);
    }

    /** A socket in the caller's network namespace. */
    public static Rtnl open() throws ErrnoException {
        return new Rtnl(NetlinkSocket.open());
    }

    /**
     * rtnetlink over {@code transport}, a NETLINK_ROUTE one (a container stage's, for example);
     * closing this closes it.
     */
    public static Rtnl over(NetlinkTransport transport) {
        return new Rtnl(transport);
    }

    /**
     * A socket in the network namespace of {@code netns} ({@code /proc/PID/ns/net},
     * {@code /run/netns/NAME}), made on a thread that entered it; the caller's threads stay where
     * they are.
     *
     * @throws ErrnoException naming {@code netns} when it cannot be opened or entered
     */
    public static Rtnl open(Path netns) throws IOException {
        return new Rtnl(NetlinkTransport.open(netns, NetlinkTransport.NETLINK_ROUTE));
    }

    public Links links() {
        if (links == null) {
            links = new Links(socket);
        }
        return links;
    }

    public Addresses addresses() {
        if (addresses == null) {
            addresses = new Addresses(socket);
        }
        return addresses;
    }

    public Routes routes() {
        if (routes == null) {
            routes = new Routes(socket);
        }
        return routes;
    }

    /**
     * The id this namespace gives the network namespace of {@code netns} (RTM_GETNSID, what
     * {@code ip netns list} shows as {@code (id: N)}), or -1 when it has none.
     */
    public int nsid(Path netns) throws ErrnoException {
        Request r = new Request(RTM_GETNSID, Request.NLM_F_ACK, netns.toString()).u8(0).u8(0).u16(0);
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined(); NetnsFd ns = NetnsFd.open(arena, netns)) {
            for (Reply reply : socket.ack(r.attrU32(NETNSA_FD, ns.fd()))) {
                if (reply.type() == RTM_NEWNSID) {
                    return reply.attributes(4).u32(NETNSA_NSID, -1);
                }
            }
        }
        return -1;
    }

    @Override
    public void close() {
        socket.close();
    }
}
