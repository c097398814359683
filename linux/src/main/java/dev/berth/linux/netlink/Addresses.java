package dev.berth.linux.netlink;

import dev.berth.linux.ErrnoException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** IPv4 and IPv6 addresses of the socket's namespace (RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR). */
public final class Addresses {
    private static final int RTM_NEWADDR = 20;
    private static final int RTM_DELADDR = 21;
    private static final int RTM_GETADDR = 22;
    private static final int IFADDRMSG = 8;
    private static final int IFA_ADDRESS = 1;
    private static final int IFA_LOCAL = 2;
    private static final int IFA_BROADCAST = 4;
    private static final int IFA_F_NODAD = 0x02;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    private final Channel socket;

    Addresses(Channel socket) {
        this.socket = socket;
    }

    /**
     * Adds {@code address/prefix} to the link {@code dev}; an IPv4 address with a prefix up to
     * /30 gets the subnet's broadcast address, as {@code ip addr add ... brd +} gives.
     *
     * @throws NetlinkException EEXIST when the link has it already, ENODEV when there is no {@code dev}
     */
    public void add(String dev, InetAddress address, int prefix) throws ErrnoException {
        add(dev, address, prefix, false);
    }

    /**
     * As {@link #add(String, InetAddress, int)}; with {@code noDad} an IPv6 address is usable at
     * once ({@code ip addr add ... nodad}, IFA_F_NODAD) instead of staying tentative for the
     * second or two of duplicate address detection: an address that berth handed out is unique
     * on its bridge by construction, as docker and podman reason too.
     */
    public void add(String dev, InetAddress address, int prefix, boolean noDad) throws ErrnoException {
        add(dev, address.getAddress(), prefix, noDad ? IFA_F_NODAD : 0, Request.NLM_F_EXCL);
    }

    /**
     * As {@link #add(String, InetAddress, int)} for the 4 or 16 bytes of an address: no
     * {@link InetAddress}, whose set-up (resolver, IPv6 probe) costs a cold JVM ~2 ms.
     */
    public void add(String dev, byte[] address, int prefix) throws ErrnoException {
        add(dev, address, prefix, 0, Request.NLM_F_EXCL);
    }

    /**
     * Adds {@code address/prefix} to {@code dev}, or leaves it there when {@code dev} has it
     * ({@code ip addr replace}): no EEXIST for the caller to catch.
     */
    public void replace(String dev, byte[] address, int prefix) throws ErrnoException {
        add(dev, address, prefix, 0, Request.NLM_F_REPLACE);
    }

    private void add(String dev, byte[] address, int prefix, int ifaFlags, int mode) throws ErrnoException {
        int flags = Request.NLM_F_ACK | Request.NLM_F_CREATE | mode;
        Request r = request(RTM_NEWADDR, flags, dev, address, prefix, ifaFlags);
        if (address.length == 4 && prefix <= 30) {
            r.attr(IFA_BROADCAST, broadcast(address, prefix));
        }
        socket.ack(r);
    }

    /** @throws NetlinkException EADDRNOTAVAIL when the link does not have it */
    public void delete(String dev, InetAddress address, int prefix) throws ErrnoException {
        socket.ack(request(RTM_DELADDR, Request.NLM_F_ACK, dev, address.getAddress(), prefix, 0));
    }

    /** Every address of every link, IPv4 and IPv6. */
    public List<Address> list() throws ErrnoException {
        Request r = new Request(RTM_GETADDR, Request.NLM_F_DUMP, "dump").u8(0).u8(0).u8(0).u8(0).u32(0);
        List<Reply> replies = socket.dump(r);
        List<Address> addresses = new ArrayList<>(replies.size());
        for (Reply reply : replies) {
            if (reply.type() == RTM_NEWADDR) {
                addresses.add(parse(reply));
            }
        }
        return addresses;
    }

    private Request request(int type, int flags, String dev, byte[] bytes, int prefix, int ifaFlags)
        throws ErrnoException {
        if (bytes.length != 4 && bytes.length != 16) {
            throw new IllegalArgumentException("an address of " + bytes.length + " bytes");
        }
        if (prefix < 0 || prefix > bytes.length * 8) {
            throw new IllegalArgumentException("bad prefix length /" + prefix + " for " + text(bytes));
        }
        int index = Links.index(socket, dev);
        Request r = new Request(type, flags, text(bytes) + "/" + prefix + " dev " + dev);
        r.u8(bytes.length == 4 ? AF_INET : AF_INET6).u8(prefix).u8(ifaFlags).u8(0).u32(index);
        return r.attr(IFA_LOCAL, bytes).attr(IFA_ADDRESS, bytes);
    }

    /** An address as ip writes it: dotted for IPv4 (without InetAddress), InetAddress's form for IPv6. */
    static String text(byte[] bytes) {
        if (bytes.length != 4) {
            return inet(bytes).getHostAddress();
        }
        return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
    }

    static byte[] broadcast(byte[] address, int prefix) {
        byte[] b = address.clone();
        for (int bit = prefix; bit < 32; bit++) {
            b[bit >> 3] |= (byte) (0x80 >>> (bit & 7));
        }
        return b;
    }

    private static Address parse(Reply r) {
        Attributes a = r.attributes(IFADDRMSG);
        byte[] local = a.has(IFA_LOCAL) ? a.bytes(IFA_LOCAL) : a.bytes(IFA_ADDRESS);
        byte[] brd = a.bytes(IFA_BROADCAST);
        return new Address(r.s32(4), inet(local), r.u8(1), brd == null ? null : inet(brd), r.u8(3));
    }

    static InetAddress inet(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("the kernel sent an address of " + bytes.length + " bytes", e);
        }
    }
}
