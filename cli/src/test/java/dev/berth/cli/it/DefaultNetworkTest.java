package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The network a container gets without --network: for root the default bridge, as with docker.
 * The build sets {@code BERTH_DEFAULT_NETWORK=none} for every test; these unset it, in network
 * namespaces of their own: the test's "host", and a second one playing "the internet" that has
 * no route back to the containers' subnet, so that only masquerade lets it answer.
 */
class DefaultNetworkTest extends ContainerTestBase {
    private static final String UPLINK = "203.0.113.1";
    private static final String INTERNET = "203.0.113.2";
    private Process internet;
    private Process server;

    @AfterEach
    void stopInternet() {
        for (Process p : new Process[] {server, internet}) {
            if (p != null) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void theTestsRunWithoutADefaultNetworkAndNeverBridgeOutsideTheirNamespace() throws Exception {
        assertEquals("none", System.getenv("BERTH_DEFAULT_NETWORK"), "the poms' surefire set-up gives every test"
            + " BERTH_DEFAULT_NETWORK=none");
        // in the host's namespace: loopback only, nothing made
        String dev = berth.ok("run", "--rm", "host", "cat", "/proc/net/dev");
        assertTrue(dev.contains(" lo:"), dev);
        assertEquals(3, dev.lines().count(), dev); // two header lines and lo
        berth.unsetEnv("BERTH_DEFAULT_NETWORK");
        assertThrows(IllegalStateException.class, () -> berth.command("run", "--rm", "host", "true"));
    }

    @Test
    void aRunWithoutNetworkIsOnTheBridgeReachesTheInternetAndPublishes() throws Exception {
        berth.inOwnNetns();
        berth.unsetEnv("BERTH_DEFAULT_NETWORK");
        internet();
        berth.ok("run", "-d", "--name", "a", "host", "sleep", "60");
        assertEquals("bridge", berth.ok("inspect", "-f", "{{.HostConfig.NetworkMode}}", "a").strip());
        String ip = berth.ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "a").strip();
        Path inside = Path.of("/proc/" + Host.pid(berth, "a") + "/ns/net");
        assertTrue(NetTools.ip(inside, "-j", "addr", "show", "eth0").contains("\"local\":\"" + ip + "\""), ip);
        String id = berth.ok("inspect", "-f", "{{.Id}}", "a").strip();
        assertTrue(NetTools.ip(berth.netns(), "-j", "link", "show", "master", "berth0")
            .contains("\"ifname\":\"vb" + id.substring(0, 11)), "a's veth is a port of berth0");

        // out through masquerade: the internet has no route to the container's subnet
        assertEquals("from-internet", NetTools.awaitOk(berth, "run", "--rm", "host",
            "busybox", "nc", "-w", "3", INTERNET, "7777").strip());
        assertTrue(NetTools.nft(berth.netns()).contains("masquerade"), "berth's table");

        // -p without --network: from the host's loopback and from the internet
        berth.ok("run", "-d", "--name", "web", "-p", "8080:7000", "host",
            "busybox", "nc", "-ll", "-p", "7000", "-e", "echo", "published");
        assertEquals("published", NetTools.fetch(berth.netns(), "127.0.0.1", 8080));
        assertEquals("published", NetTools.fetch(internetNs(), UPLINK, 8080));

        // --network none is still loopback only
        String none = berth.ok("run", "--rm", "--network", "none", "host", "cat", "/proc/net/dev");
        assertFalse(none.contains("eth0"), none);
        berth.ok("rm", "-f", "a", "web");
        assertFalse(NetTools.nft(berth.netns()).contains("container "), "ports left");
        assertTrue(NetTools.refused(berth.netns(), "127.0.0.1", 8080));
    }

    @Test
    void theDefaultIsChosenByBerthDefaultNetwork() throws Exception {
        berth.inOwnNetns();
        berth.ok("network", "create", "--subnet", "10.157.0.0/24", "mine");
        berth.env("BERTH_DEFAULT_NETWORK", "mine");
        String addr = berth.ok("run", "--rm", "host", "ip", "-o", "-4", "addr", "show", "eth0");
        assertTrue(addr.contains(" 10.157.0."), addr);
        berth.env("BERTH_DEFAULT_NETWORK", "none");
        Berth.Result p = berth.run("run", "--rm", "-p", "80", "host", "true");
        assertEquals(125, p.code());
        assertTrue(p.err().contains("-p needs a network") && p.err().contains("default network is none"), p.err());
        berth.env("BERTH_DEFAULT_NETWORK", "container:x");
        Berth.Result bad = berth.run("run", "--rm", "host", "true");
        assertEquals(125, bad.code());
        assertTrue(bad.err().contains("BERTH_DEFAULT_NETWORK=container:x"), bad.err());
        assertEquals("", berth.ok("ps", "-a", "-q"));
    }

    /**
     * A run that finds the ruleset's generation where the last reading of berth's table left it
     * reads no table ({@code BERTH_TRACE}'s "firewall unchanged"); any change to the ruleset, by
     * anyone, sends the next run back to the table, which puts back what was lost, and so does a
     * bridge sysctl turned off, or a memo of another network namespace or boot.
     */
    @Test
    void aRunSkipsTheFirewallOnlyWhileTheRulesetIsAsBerthLastFoundIt() throws Exception {
        berth.inOwnNetns();
        berth.unsetEnv("BERTH_DEFAULT_NETWORK");
        berth.env("BERTH_TRACE", "1");
        assertFalse(skipped(), "the first run makes the table");
        assertFalse(skipped(), "the second finds it in place, and remembers that");
        assertTrue(skipped(), "the third needs no table");

        NetTools.command("nsenter", "--net=" + berth.netns(), "nft", "delete", "table", "ip", "berth");
        assertFalse(skipped(), "a ruleset changed behind berth's back is read");
        assertTrue(NetTools.nft(berth.netns()).contains("berth0"), "and what was lost is back");
        assertFalse(skipped(), "the run before changed it");
        assertTrue(skipped());

        NetTools.command("nsenter", "--net=" + berth.netns(), "nft", "add", "table", "ip", "other");
        assertFalse(skipped(), "another table is a change too");
        assertTrue(skipped(), "that reading changed nothing, so the next run trusts it");

        NetTools.command("nsenter", "--net=" + berth.netns(), "sh", "-c",
            "echo 0 > /proc/sys/net/ipv4/conf/berth0/route_localnet");
        assertFalse(skipped(), "a sysctl of the bridge turned off");
        assertEquals("1", NetTools.command("nsenter", "--net=" + berth.netns(), "cat",
            "/proc/sys/net/ipv4/conf/berth0/route_localnet").strip(), "is on again");
        assertTrue(skipped());

        // the memo: this boot, this namespace (its cookie, read from outside), the generation
        Path memo;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(berth.root().resolve("networks/.firewall"))) {
            memo = s.findFirst().orElseThrow();
        }
        String[] f = java.nio.file.Files.readString(memo).strip().split(" ");
        assertEquals(java.nio.file.Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip(), f[0]);
        assertEquals(Long.toUnsignedString(cookie(berth.netns())), f[1]);
        assertEquals(Long.toString(generation(berth.netns())), f[2]);
        java.nio.file.Files.writeString(memo, f[0] + " 1 " + f[2] + "\n");
        assertFalse(skipped(), "a memo of another namespace is not trusted");
    }

    /**
     * A namespace that is gone leaves its inode to the next one, whose ruleset counts its
     * generations from the start again: with the same root, the memo of the old namespace must
     * not vouch for the new one even where inode and generation come out the same. The new
     * namespace has the sysctls on for any new bridge (its defaults, as a host passes its IPv4
     * ones to new namespaces), so only the memo's key stands between the run and a missing table.
     */
    @Test
    void aMemoOfAGoneNamespaceIsNotTrustedInANewOneWithItsInode() throws Exception {
        berth.inOwnNetns();
        berth.unsetEnv("BERTH_DEFAULT_NETWORK");
        berth.env("BERTH_TRACE", "1");
        assertFalse(skipped());
        assertFalse(skipped());
        assertTrue(skipped(), "the memo is written");
        String inode = java.nio.file.Files.readSymbolicLink(berth.netns()).toString();
        long generation = generation(berth.netns());

        assumeTrue(berth.inNetnsWithInode(inode), "the kernel gave no new namespace the inode " + inode);
        NetTools.command("nsenter", "--net=" + berth.netns(), "sh", "-c",
            "echo 1 > /proc/sys/net/ipv4/conf/default/route_localnet && echo 1 > /proc/sys/net/ipv4/ip_forward"
                + " && { ! [ -d /proc/sys/net/ipv6 ] || echo 0 > /proc/sys/net/ipv6/conf/default/accept_ra; }");
        for (int i = 0; generation(berth.netns()) < generation; i++) {
            NetTools.command("nsenter", "--net=" + berth.netns(), "nft", "add", "table", "ip", "pad" + i);
        }
        assertEquals(generation, generation(berth.netns()), "the new namespace's ruleset is at the memo's generation");
        assertTrue(NetTools.nft(berth.netns()).isEmpty(), "and has no table of berth's");

        assertFalse(skipped(), "a memo of the namespace that had the inode before is not trusted");
        assertTrue(NetTools.nft(berth.netns()).contains("berth0"), "the run put the network's elements in place");
    }

    /** The cookie of network namespace {@code netns}, through a socket of this JVM's there. */
    private static long cookie(Path netns) throws Exception {
        try (dev.berth.linux.netlink.NetlinkTransport netfilter = dev.berth.linux.InNetns.call(netns,
            () -> dev.berth.linux.netlink.NetlinkTransport.open(dev.berth.linux.netlink.NetlinkTransport.NETLINK_NETFILTER))) {
            return netfilter.netnsCookie("the test's namespace");
        }
    }

    /** The generation of {@code netns}'s nftables ruleset. */
    private static long generation(Path netns) throws Exception {
        try (dev.berth.linux.netlink.NetlinkTransport netfilter = dev.berth.linux.InNetns.call(netns,
            () -> dev.berth.linux.netlink.NetlinkTransport.open(dev.berth.linux.netlink.NetlinkTransport.NETLINK_NETFILTER))) {
            return dev.berth.linux.netlink.NftGeneration.read(netfilter);
        }
    }

    /** Runs a container and says whether its run skipped the firewall. */
    private boolean skipped() throws Exception {
        Berth.Result r = berth.run("run", "--rm", "host", "true");
        assertEquals(0, r.code(), r.err());
        return r.err().contains("firewall unchanged");
    }

    private Path internetNs() {
        return Path.of("/proc/" + internet.pid() + "/ns/net");
    }

    /**
     * "The internet": {@code 203.0.113.2} on a veth whose other end, {@code 203.0.113.1}, is in
     * the test's namespace, with a server on port 7777 and no route to anything else.
     */
    private void internet() throws Exception {
        internet = new ProcessBuilder("unshare", "--net", "sh", "-c", "ip link set lo up && exec sleep 600").start();
        Path ns = internetNs();
        for (int i = 0; i < 200 && (Host.ns(internet.pid(), "net").equals(Host.ownNs("net"))
            || !NetTools.ip(ns, "link", "show", "lo").contains(",UP")); i++) {
            Thread.sleep(10);
        }
        NetTools.command("nsenter", "--net=" + berth.netns(), "ip", "link", "add", "up0", "type", "veth", "peer", "name",
            "wan0", "netns", Long.toString(internet.pid()));
        NetTools.command("nsenter", "--net=" + berth.netns(), "ip", "addr", "add", UPLINK + "/24", "dev", "up0");
        NetTools.command("nsenter", "--net=" + berth.netns(), "ip", "link", "set", "up0", "up");
        NetTools.command("nsenter", "--net=" + ns, "ip", "addr", "add", INTERNET + "/24", "dev", "wan0");
        NetTools.command("nsenter", "--net=" + ns, "ip", "link", "set", "wan0", "up");
        server = new ProcessBuilder("nsenter", "--net=" + ns, "busybox", "nc", "-ll", "-p", "7777", "-e", "echo",
            "from-internet").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
