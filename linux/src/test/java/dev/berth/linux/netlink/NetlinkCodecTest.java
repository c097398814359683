package dev.berth.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The message codec without a kernel: requests as bytes, and answers made of hand-built datagrams. */
class NetlinkCodecTest {
    private static final int IFLA_IFNAME = 3;
    private static final int IFLA_LINKINFO = 18;
    private static final int IFLA_NET_NS_FD = 28;
    private static final int IFLA_INFO_KIND = 1;
    private static final int IFLA_INFO_DATA = 2;
    private static final int VETH_INFO_PEER = 1;

    @Test
    void aVethRequestNestsThePeersIfinfomsgAndAttributes() {
        Request r = new Request(Links.RTM_NEWLINK, Request.NLM_F_ACK | Request.NLM_F_CREATE, "v0 peer eth0");
        r.u8(0).u8(0).u16(0).u32(0).u32(0).u32(0).attrString(IFLA_IFNAME, "v0");
        int info = r.begin(IFLA_LINKINFO);
        r.attrString(IFLA_INFO_KIND, "veth");
        int data = r.begin(IFLA_INFO_DATA);
        int peer = r.begin(VETH_INFO_PEER);
        r.u8(0).u8(0).u16(0).u32(0).u32(0).u32(0).attrString(IFLA_IFNAME, "eth0").attrU32(IFLA_NET_NS_FD, 7);
        r.end(peer);
        r.end(data);
        r.end(info);
        ByteBuffer b = r.finish(42);

        // 16 header + 16 ifinfomsg + 8 "v0" + (4 + 12 "veth" + (4 + (4 + 16 + 12 "eth0" + 8 fd)))
        assertEquals(100, b.remaining());
        assertEquals(100, b.getInt(0));
        assertEquals(Links.RTM_NEWLINK, b.getShort(4));
        assertEquals(Request.NLM_F_REQUEST | Request.NLM_F_ACK | Request.NLM_F_CREATE, b.getShort(6));
        assertEquals(42, b.getInt(8));
        Reply m = new Reply(b, 0);
        Attributes top = m.attributes(Links.IFINFOMSG);
        assertEquals("v0", top.string(IFLA_IFNAME, null));
        assertEquals(3, top.length(IFLA_IFNAME)); // with its NUL
        Attributes linkinfo = top.nested(IFLA_LINKINFO);
        assertEquals("veth", linkinfo.string(IFLA_INFO_KIND, null));
        byte[] peerBytes = linkinfo.nested(IFLA_INFO_DATA).bytes(VETH_INFO_PEER);
        assertEquals(16 + 12 + 8, peerBytes.length);
        Attributes peerAttrs = new Attributes(ByteBuffer.wrap(peerBytes).order(ByteOrder.nativeOrder()), 16, peerBytes.length);
        assertEquals("eth0", peerAttrs.string(IFLA_IFNAME, null));
        assertEquals(7, peerAttrs.u32(IFLA_NET_NS_FD, -1));
        assertFalse(peerAttrs.has(IFLA_LINKINFO));
    }

    @Test
    void aDumpSpansDatagramsSkipsOldSequenceNumbersAndEndsAtDone() throws Exception {
        Request dump = new Request(Links.RTM_GETLINK, Request.NLM_F_DUMP, "dump");
        Answer answer = new Answer(dump, 7);
        ByteBuffer first = datagram(link(6, "stale"), link(7, "lo"), link(7, "eth0"));
        assertFalse(answer.accept(first, first.limit()));
        ByteBuffer second = datagram(link(7, "berth0"), message(Answer.NLMSG_DONE, Request.NLM_F_MULTI, 7, new byte[4]));
        assertTrue(answer.accept(second, second.limit()));
        List<Reply> replies = answer.replies();
        assertEquals(3, replies.size());
        assertEquals("berth0", Links.parse(replies.get(2)).name());
        assertEquals(2, Links.parse(replies.get(1)).index());
        assertFalse(answer.interrupted());
    }

    @Test
    void anErrorCarriesTheExtendedAckText() {
        Request request = new Request(Links.RTM_NEWLINK, Request.NLM_F_ACK, "berth0");
        // nlmsgerr: -EEXIST, the request's header (capped), then NLMSGERR_ATTR_MSG
        Request err = new Request(Answer.NLMSG_ERROR, 0x100 | 0x200, "");
        err.u32(-17).u32(36).u16(Links.RTM_NEWLINK).u16(5).u32(9).u32(0).attrString(1, "Link already exists");
        ByteBuffer d = err.finish(9);
        NetlinkException e = assertThrows(NetlinkException.class, () -> new Answer(request, 9).accept(d, d.limit()));
        assertEquals(17, e.errno());
        assertEquals("RTM_NEWLINK berth0: EEXIST (file exists): Link already exists", e.getMessage());
        assertEquals("Link already exists", e.kernelMessage());
    }

    @Test
    void anUncappedErrorSkipsTheEchoedRequestAndAPlainOneHasNoText() {
        Request request = new Request(Links.RTM_SETLINK, Request.NLM_F_ACK, "eth0 up");
        Request err = new Request(Answer.NLMSG_ERROR, 0x200, "");
        err.u32(-19).u32(24).u16(Links.RTM_SETLINK).u16(5).u32(3).u32(0).u32(0xdeadbeef).u32(0).attrString(1, "why");
        ByteBuffer d = err.finish(3);
        NetlinkException e = assertThrows(NetlinkException.class, () -> new Answer(request, 3).accept(d, d.limit()));
        assertEquals("RTM_SETLINK eth0 up: ENODEV (no such device): why", e.getMessage());

        Request plain = new Request(Answer.NLMSG_ERROR, 0x100, "").u32(-19).u32(16).u32(0).u32(4).u32(0);
        ByteBuffer p = plain.finish(4);
        NetlinkException f = assertThrows(NetlinkException.class, () -> new Answer(request, 4).accept(p, p.limit()));
        assertEquals("RTM_SETLINK eth0 up: ENODEV (no such device)", f.getMessage());
    }

    @Test
    void anAckEndsAReplyAndAFailedDumpEndsInAnError() throws Exception {
        Request get = new Request(Links.RTM_GETLINK, Request.NLM_F_ACK, "eth0");
        Answer answer = new Answer(get, 5);
        ByteBuffer d = datagram(link(5, "eth0"), message(Answer.NLMSG_ERROR, 0x100, 5, new byte[20]));
        assertTrue(answer.accept(d, d.limit()));
        assertEquals(1, answer.replies().size());

        ByteBuffer done = datagram(message(Answer.NLMSG_DONE, Request.NLM_F_MULTI, 6, new byte[] {-4, -1, -1, -1}));
        NetlinkException e = assertThrows(NetlinkException.class,
            () -> new Answer(new Request(Links.RTM_GETLINK, Request.NLM_F_DUMP, "dump"), 6).accept(done, done.limit()));
        assertEquals(4, e.errno());
    }

    @Test
    void macsAndBroadcasts() {
        assertEquals("02:42:ac:11:00:02", Macs.format(Macs.parse("02:42:AC:11:00:02")));
        assertEquals("", Macs.format(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> Macs.parse("02:42:ac:11:00"));
        assertThrows(IllegalArgumentException.class, () -> Macs.parse("02-42-ac-11-00-02"));
        assertArrayEquals(new byte[] {10, 88, (byte) 255, (byte) 255}, Addresses.broadcast(new byte[] {10, 88, 0, 1}, 16));
        assertArrayEquals(new byte[] {(byte) 172, 30, 7, (byte) 255},
            Addresses.broadcast(new byte[] {(byte) 172, 30, 4, 5}, 22));
    }

    /** An RTM_NEWLINK as the kernel sends it: ifinfomsg with index 2, and a name. */
    private static ByteBuffer link(int seq, String name) {
        Request m = new Request(Links.RTM_NEWLINK, Request.NLM_F_MULTI, "");
        m.u8(0).u8(0).u16(1).u32(2).u32(0).u32(0).attrString(IFLA_IFNAME, name);
        return m.finish(seq);
    }

    private static ByteBuffer message(int type, int flags, int seq, byte[] payload) {
        Request m = new Request(type, flags, "");
        for (byte b : payload) {
            m.u8(b);
        }
        return m.finish(seq);
    }

    private static ByteBuffer datagram(ByteBuffer... messages) {
        ByteBuffer d = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());
        for (ByteBuffer m : messages) {
            d.put(m);
        }
        return d.flip();
    }
}
