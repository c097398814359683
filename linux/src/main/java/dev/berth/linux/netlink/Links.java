package dev.berth.linux.netlink;

import dev.berth.linux.Errno;
import dev.berth.linux.ErrnoException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Network interfaces of the socket's namespace, addressed by name: list and find, create bridges
 * and veth pairs, set state, master, name, MAC, MTU and namespace, delete. Changes use
 * RTM_SETLINK with the name as the key (one round trip); only those that need an ifindex
 * (rename, master) look it up first.
 */
public final class Links {
    static final int RTM_NEWLINK = 16;
    static final int RTM_DELLINK = 17;
    static final int RTM_GETLINK = 18;
    static final int RTM_SETLINK = 19;
    static final int IFINFOMSG = 16;
    private static final int IFLA_ADDRESS = 1;
    private static final int IFLA_IFNAME = 3;
    private static final int IFLA_MTU = 4;
    private static final int IFLA_MASTER = 10;
    private static final int IFLA_OPERSTATE = 16;
    private static final int IFLA_LINKINFO = 18;
    private static final int IFLA_NET_NS_PID = 19;
    private static final int IFLA_NET_NS_FD = 28;
    private static final int IFLA_EXT_MASK = 29;
    private static final int IFLA_PROTINFO = 12;
    private static final int IFLA_BRPORT_MODE = 4; // hairpin
    private static final int NLA_F_NESTED = 0x8000;
    private static final int AF_BRIDGE = 7;
    private static final int IFLA_INFO_KIND = 1;
    private static final int IFLA_INFO_DATA = 2;
    private static final int VETH_INFO_PEER = 1;
    private static final int RTEXT_FILTER_SKIP_STATS = 1 << 3;
    private static final int CREATE = Request.NLM_F_ACK | Request.NLM_F_CREATE | Request.NLM_F_EXCL;

    private final Channel socket;

    Links(Channel socket) {
        this.socket = socket;
    }

    /** Every link of the namespace, in ifindex order. */
    public List<Link> list() throws ErrnoException {
        Request r = ifinfo(RTM_GETLINK, Request.NLM_F_DUMP, "dump", 0, 0).attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        List<Reply> replies = socket.dump(r);
        List<Link> links = new ArrayList<>(replies.size());
        for (Reply reply : replies) {
            if (reply.type() == RTM_NEWLINK) {
                links.add(parse(reply));
            }
        }
        return links;
    }

    /** The link called {@code name}, or empty. */
    public Optional<Link> find(String name) throws ErrnoException {
        try {
            return Optional.of(get(name));
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENODEV) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The link called {@code name}; {@link NetlinkException} ENODEV when there is none. */
    public Link get(String name) throws ErrnoException {
        return get(socket, name);
    }

    /**
     * A bridge, down, with {@code mtu} (0: the kernel's default, 1500, which then follows the
     * smallest MTU of its ports). A different MTU is set after the bridge exists, because only a
     * change counts as the user's choice: an MTU given at creation is lost when a port joins.
     */
    public void addBridge(String name, int mtu) throws ErrnoException {
        Request r = ifinfo(RTM_NEWLINK, CREATE, name, 0, 0).attrString(IFLA_IFNAME, name);
        int info = r.begin(IFLA_LINKINFO);
        r.attrString(IFLA_INFO_KIND, "bridge");
        r.end(info);
        socket.ack(r);
        if (mtu > 0 && mtu != 1500) {
            try {
                setMtu(name, mtu);
            } catch (ErrnoException e) {
                delete(name); // no bridge of the wrong MTU is left behind
                throw e;
            }
        }
    }

    /** {@link #addVeth(String, String, Path, int)} with the kernel's default MTU. */
    public void addVeth(String name, String peer, Path peerNetns) throws ErrnoException {
        addVeth(name, peer, peerNetns, 0);
    }

    /**
     * A veth pair, both ends down: {@code name} here and {@code peer} created directly in the
     * namespace of {@code peerNetns} (null: here too), so the peer's name never has to be free
     * in this namespace.
     *
     * @param mtu both ends' MTU, 0 for the kernel's default
     * @throws ErrnoException ENOENT naming {@code peerNetns} when it cannot be opened
     */
    public void addVeth(String name, String peer, Path peerNetns, int mtu) throws ErrnoException {
        if (peerNetns == null) {
            socket.ack(veth(name, peer, mtu, 0, 0));
            return;
        }
        try (Arena arena = Arena.ofConfined(); NetnsFd ns = NetnsFd.open(arena, peerNetns)) {
            socket.ack(veth(name, peer, mtu, IFLA_NET_NS_FD, ns.fd()));
        }
    }

    /**
     * As {@link #addVeth(String, String, Path)}, with {@code peer} made in the network namespace of
     * process {@code peerPid} (IFLA_NET_NS_PID): a request that needs no file descriptor of the
     * sender's, so it can travel through a transport of another process (a container's stage,
     * whose child that process is, so its pid cannot be reused meanwhile).
     */
    public void addVeth(String name, String peer, long peerPid) throws ErrnoException {
        socket.ack(veth(name, peer, 0, IFLA_NET_NS_PID, (int) peerPid));
    }

    /** RTM_NEWLINK of a veth pair; {@code nsAttribute} (0: none) puts the peer in another namespace. */
    private static Request veth(String name, String peer, int mtu, int nsAttribute, int ns) {
        Request r = ifinfo(RTM_NEWLINK, CREATE, name + " peer " + peer, 0, 0).attrString(IFLA_IFNAME, name);
        if (mtu > 0) {
            r.attrU32(IFLA_MTU, mtu);
        }
        int info = r.begin(IFLA_LINKINFO);
        r.attrString(IFLA_INFO_KIND, "veth");
        int data = r.begin(IFLA_INFO_DATA);
        int peerInfo = r.begin(VETH_INFO_PEER);
        r.u8(0).u8(0).u16(0).u32(0).u32(0).u32(0); // the peer's own ifinfomsg
        r.attrString(IFLA_IFNAME, peer);
        if (mtu > 0) {
            r.attrU32(IFLA_MTU, mtu);
        }
        if (nsAttribute != 0) {
            r.attrU32(nsAttribute, ns);
        }
        r.end(peerInfo);
        r.end(data);
        r.end(info);
        return r;
    }

    public void setUp(String name) throws ErrnoException {
        socket.ack(ifinfo(RTM_SETLINK, Request.NLM_F_ACK, name + " up", Link.IFF_UP, Link.IFF_UP)
            .attrString(IFLA_IFNAME, name));
    }

    public void setDown(String name) throws ErrnoException {
        socket.ack(ifinfo(RTM_SETLINK, Request.NLM_F_ACK, name + " down", 0, Link.IFF_UP)
            .attrString(IFLA_IFNAME, name));
    }

    /** Enslaves {@code name} to the bridge {@code master}; null releases it. */
    public void setMaster(String name, String master) throws ErrnoException {
        int index = master == null ? 0 : index(socket, master);
        socket.ack(set(name, name + " master " + master).attrU32(IFLA_MASTER, index));
    }

    /** Renames a link, which must be down (EBUSY otherwise). */
    public void rename(String name, String newName) throws ErrnoException {
        int index = index(socket, name);
        Request r = new Request(RTM_SETLINK, Request.NLM_F_ACK, name + " name " + newName);
        socket.ack(r.u8(0).u8(0).u16(0).u32(index).u32(0).u32(0).attrString(IFLA_IFNAME, newName));
    }

    /**
     * Hairpin mode of a bridge port ({@code bridge link set dev NAME hairpin on}): frames may
     * leave by the port they came in, which a container needs to reach its own published port
     * through the host's address.
     */
    public void setHairpin(String name, boolean on) throws ErrnoException {
        int index = index(socket, name);
        Request r = new Request(RTM_SETLINK, Request.NLM_F_ACK, name + " hairpin " + (on ? "on" : "off"));
        r.u8(AF_BRIDGE).u8(0).u16(0).u32(index).u32(0).u32(0);
        int protinfo = r.begin(IFLA_PROTINFO | NLA_F_NESTED);
        r.attrU8(IFLA_BRPORT_MODE, on ? 1 : 0);
        r.end(protinfo);
        socket.ack(r);
    }

    /** @param mac {@code 02:42:ac:11:00:02} */
    public void setMac(String name, String mac) throws ErrnoException {
        socket.ack(set(name, name + " address " + mac).attr(IFLA_ADDRESS, Macs.parse(mac)));
    }

    public void setMtu(String name, int mtu) throws ErrnoException {
        socket.ack(set(name, name + " mtu " + mtu).attrU32(IFLA_MTU, mtu));
    }

    /**
     * Moves a link into the namespace of {@code netns}; it arrives down, keeps its name and loses
     * its addresses. A veth end moved away keeps its peer here.
     */
    public void moveTo(String name, Path netns) throws ErrnoException {
        Request r = set(name, name + " netns " + netns);
        try (Arena arena = Arena.ofConfined(); NetnsFd ns = NetnsFd.open(arena, netns)) {
            socket.ack(r.attrU32(IFLA_NET_NS_FD, ns.fd()));
        }
    }

    /** Deletes a link; deleting one end of a veth pair deletes both, wherever the other is. */
    public void delete(String name) throws ErrnoException {
        socket.ack(ifinfo(RTM_DELLINK, Request.NLM_F_ACK, name, 0, 0).attrString(IFLA_IFNAME, name));
    }

    /** The ifindex of {@code name}; {@link NetlinkException} ENODEV when there is none. */
    public int index(String name) throws ErrnoException {
        return index(socket, name);
    }

    static int index(Channel socket, String name) throws ErrnoException {
        return get(socket, name).index();
    }

    private static Link get(Channel socket, String name) throws ErrnoException {
        Request r = ifinfo(RTM_GETLINK, Request.NLM_F_ACK, name, 0, 0)
            .attrString(IFLA_IFNAME, name).attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        for (Reply reply : socket.ack(r)) {
            if (reply.type() == RTM_NEWLINK) {
                return parse(reply);
            }
        }
        throw new IllegalStateException("RTM_GETLINK " + name + ": the kernel acked without the link");
    }

    private static Request set(String name, String subject) {
        return ifinfo(RTM_SETLINK, Request.NLM_F_ACK, subject, 0, 0).attrString(IFLA_IFNAME, name);
    }

    /**
     * A request with an ifinfomsg for no index (the name attribute picks the link), changing the
     * IFF_* flags in {@code change} to their values in {@code ifFlags}.
     */
    private static Request ifinfo(int type, int flags, String subject, int ifFlags, int change) {
        return new Request(type, flags, subject).u8(0).u8(0).u16(0).u32(0).u32(ifFlags).u32(change);
    }

    static Link parse(Reply r) {
        Attributes a = r.attributes(IFINFOMSG);
        return new Link(r.s32(4), a.string(IFLA_IFNAME, ""), a.nested(IFLA_LINKINFO).string(IFLA_INFO_KIND, ""),
            r.u16(2), r.s32(8), a.u32(IFLA_MTU, 0), Macs.format(a.bytes(IFLA_ADDRESS)), a.u32(IFLA_MASTER, 0),
            operstate(a.u8(IFLA_OPERSTATE, 0)));
    }

    private static String operstate(int state) {
        return switch (state) {
            case 1 -> "NOTPRESENT";
            case 2 -> "DOWN";
            case 3 -> "LOWERLAYERDOWN";
            case 4 -> "TESTING";
            case 5 -> "DORMANT";
            case 6 -> "UP";
            default -> "UNKNOWN";
        };
    }
}
