package dev.berth.linux.netlink;

import dev.berth.linux.ErrnoException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** Routes of the main table (RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE), IPv4 and IPv6. */
public final class Routes {
    private static final int RTM_NEWROUTE = 24;
    private static final int RTM_DELROUTE = 25;
    private static final int RTM_GETROUTE = 26;
    private static final int RTMSG = 12;
    private static final int RTA_DST = 1;
    private static final int RTA_OIF = 4;
    private static final int RTA_GATEWAY = 5;
    private static final int RTA_PRIORITY = 6;
    private static final int RTA_TABLE = 15;
    private static final int RT_TABLE_MAIN = 254;
    private static final int RTPROT_BOOT = 3;
    private static final int RT_SCOPE_UNIVERSE = 0;
    private static final int RT_SCOPE_LINK = 253;
    private static final int RT_SCOPE_NOWHERE = 255;
    private static final int RTN_UNICAST = 1;

    private final Channel socket;

    Routes(Channel socket) {
        this.socket = socket;
    }

    /**
     * The default route through {@code gateway}, which a route of a link must reach already
     * (an address on an up link), or the kernel refuses it with ENETUNREACH.
     */
    public void addDefault(InetAddress gateway) throws ErrnoException {
        add(null, 0, gateway, null);
    }

    /** {@link #addDefault(InetAddress)} for the 4 or 16 bytes of the gateway's address, with no {@link InetAddress}. */
    public void addDefault(byte[] gateway) throws ErrnoException {
        int flags = Request.NLM_F_ACK | Request.NLM_F_CREATE | Request.NLM_F_EXCL;
        socket.ack(request(RTM_NEWROUTE, flags, null, 0, gateway, null, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST));
    }

    /**
     * Adds a route to {@code destination/prefix} (null: the default route) through
     * {@code gateway}, or straight out of {@code dev} when there is no gateway; either may be
     * null, not both.
     */
    public void add(InetAddress destination, int prefix, InetAddress gateway, String dev) throws ErrnoException {
        int flags = Request.NLM_F_ACK | Request.NLM_F_CREATE | Request.NLM_F_EXCL;
        int scope = gateway == null ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
        socket.ack(request(RTM_NEWROUTE, flags, bytes(destination), prefix, bytes(gateway), dev, RTPROT_BOOT, scope,
            RTN_UNICAST));
    }

    /** Deletes the route that {@link #add} made with the same arguments; ESRCH when there is none. */
    public void delete(InetAddress destination, int prefix, InetAddress gateway, String dev) throws ErrnoException {
        // protocol, scope and type left open, as ip route del does, so any matching route goes
        socket.ack(request(RTM_DELROUTE, Request.NLM_F_ACK, bytes(destination), prefix, bytes(gateway), dev, 0,
            RT_SCOPE_NOWHERE, 0));
    }

    /** The routes of the main table, IPv4 then IPv6. */
    public List<Route> list() throws ErrnoException {
        List<Route> routes = new ArrayList<>();
        for (Reply reply : socket.dump(new Request(RTM_GETROUTE, Request.NLM_F_DUMP, "dump").u8(0).u8(0).u8(0)
                .u8(0).u8(0).u8(0).u8(0).u8(0).u32(0))) {
            int family = reply.u8(0);
            if (reply.type() != RTM_NEWROUTE || (family != Addresses.AF_INET && family != Addresses.AF_INET6)) {
                continue; // AF_UNSPEC dumps the multicast tables too
            }
            Attributes a = reply.attributes(RTMSG);
            if (a.u32(RTA_TABLE, reply.u8(4)) == RT_TABLE_MAIN) {
                routes.add(parse(reply, a));
            }
        }
        return routes;
    }

    private static byte[] bytes(InetAddress address) {
        return address == null ? null : address.getAddress();
    }

    private Request request(int type, int flags, byte[] destination, int prefix, byte[] gateway,
            String dev, int protocol, int scope, int kind) throws ErrnoException {
        byte[] any = destination != null ? destination : gateway;
        if (any == null && dev == null) {
            throw new IllegalArgumentException("a route needs a gateway or a device");
        }
        int length = any == null ? 4 : any.length;
        if (length != 4 && length != 16) {
            throw new IllegalArgumentException("an address of " + length + " bytes");
        }
        if (prefix < 0 || prefix > length * 8 || (destination == null && prefix != 0)) {
            throw new IllegalArgumentException("bad prefix length /" + prefix + " for "
                + (destination == null ? "the default route" : Addresses.text(destination)));
        }
        int index = dev == null ? 0 : Links.index(socket, dev);
        Request r = new Request(type, flags, describe(destination, prefix, gateway, dev));
        r.u8(length == 4 ? Addresses.AF_INET : Addresses.AF_INET6).u8(prefix).u8(0).u8(0)
            .u8(RT_TABLE_MAIN).u8(protocol).u8(scope).u8(kind).u32(0);
        if (destination != null && prefix > 0) {
            r.attr(RTA_DST, destination);
        }
        if (gateway != null) {
            r.attr(RTA_GATEWAY, gateway);
        }
        if (index != 0) {
            r.attrU32(RTA_OIF, index);
        }
        return r;
    }

    /** {@code default via 10.88.0.1}, {@code 10.99.0.0/24 dev eth0}: the route in ip's words. */
    private static String describe(byte[] destination, int prefix, byte[] gateway, String dev) {
        StringBuilder s = new StringBuilder();
        s.append(destination == null || prefix == 0 ? "default" : Addresses.text(destination) + "/" + prefix);
        if (gateway != null) {
            s.append(" via ").append(Addresses.text(gateway));
        }
        if (dev != null) {
            s.append(" dev ").append(dev);
        }
        return s.toString();
    }

    private static Route parse(Reply r, Attributes a) {
        int length = r.u8(0) == Addresses.AF_INET ? 4 : 16;
        byte[] dst = a.bytes(RTA_DST);
        byte[] gateway = a.bytes(RTA_GATEWAY);
        return new Route(Addresses.inet(dst == null ? new byte[length] : dst), r.u8(1),
            gateway == null ? null : Addresses.inet(gateway), a.u32(RTA_OIF, 0), r.u8(5), r.u8(6),
            a.u32(RTA_PRIORITY, 0));
    }
}
