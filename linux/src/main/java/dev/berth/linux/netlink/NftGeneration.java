package dev.berth.linux.netlink;

import dev.berth.linux.ErrnoException;

/**
 * The generation of a network namespace's nftables ruleset (NFT_MSG_GETGEN over nfnetlink): the
 * kernel counts up by one with every transaction committed to it, by anyone, so an unchanged
 * generation means an unchanged ruleset. {@code nft monitor} and firewalld's cache read the same.
 */
public final class NftGeneration {
    private static final int NFNL_SUBSYS_NFTABLES = 10;
    private static final int NFT_MSG_NEWGEN = 15;
    private static final int NFT_MSG_GETGEN = 16;
    private static final int NFGENMSG = 4;
    private static final int NFTA_GEN_ID = 1;

    private NftGeneration() {}

    /**
     * The current generation, read over {@code netfilter}, a NETLINK_NETFILTER transport of the
     * namespace; a ruleset never changed since boot has one too.
     */
    public static long read(NetlinkTransport netfilter) throws ErrnoException {
        Request r = new Request(NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETGEN, Request.NLM_F_ACK, "generation");
        r.u8(0).u8(0).u16(0); // nfgenmsg: AF_UNSPEC, NFNETLINK_V0, resource id 0
        for (Reply reply : new Channel(netfilter).ack(r)) {
            if (reply.type() == (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWGEN)) {
                Attributes a = reply.attributes(NFGENMSG);
                if (!a.has(NFTA_GEN_ID)) {
                    break;
                }
                int id = a.u32(NFTA_GEN_ID, 0);
                return Integer.toUnsignedLong(Integer.reverseBytes(id)); // big-endian, as nfnetlink's attributes are
            }
        }
        throw new IllegalStateException("NFT_MSG_GETGEN: the kernel answered without a generation");
    }
}
