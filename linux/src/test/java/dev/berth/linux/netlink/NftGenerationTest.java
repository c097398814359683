package dev.berth.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.linux.InNetns;
import org.junit.jupiter.api.Test;

/** The ruleset's generation, read over nfnetlink, against {@code nft} changing the ruleset from outside. */
class NftGenerationTest {
    @Test
    void theGenerationCountsEveryCommittedChangeAndNothingElse() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "a network namespace needs root");
        try (Netns ns = new Netns()) {
            NetlinkTransport netfilter = InNetns.call(ns.path(), () -> NetlinkTransport.open(NetlinkTransport.NETLINK_NETFILTER));
            try (netfilter) {
                long before = NftGeneration.read(netfilter);
                assertEquals(before, NftGeneration.read(netfilter), "reading changes nothing");
                assertEquals(0, ns.run("nft", "add", "table", "ip", "gen-test").status());
                assertEquals(before + 1, NftGeneration.read(netfilter), "one transaction, one step");
                ns.run("nft", "list", "ruleset");
                assertEquals(before + 1, NftGeneration.read(netfilter), "listing is no change");
                assertEquals(1, ns.run("nft", "add", "chain", "ip", "no-such-table", "a").status());
                assertEquals(before + 1, NftGeneration.read(netfilter), "a refused change is none");
                assertEquals(0, ns.run("nft", "add chain ip gen-test a; add chain ip gen-test b").status());
                assertEquals(before + 2, NftGeneration.read(netfilter), "a batch of two commands is one transaction");
            }
        }
    }
}
