package dev.berth.cli.it;

import static dev.berth.cli.it.NetTools.command;
import static dev.berth.cli.it.NetTools.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Dual-stack networks (berth network create --ipv6) checked from outside, in network namespaces
 * of the test's own: the containers' IPv6 addresses, routes and sysctls read in their namespaces,
 * ping6 between them by address and by name, a published port over IPv6 from the test's
 * namespace and from a second namespace that plays "the internet" (reached from containers
 * only through masquerade: it has no route back to their subnet), and what rm leaves.
 */
class Ipv6NetworkTest extends ContainerTestBase {
    private Process internet;
    private Process server;

    @BeforeEach
    void ownNetns() throws Exception {
        berth.inOwnNetns();
    }

    @AfterEach
    void stopInternet() {
        for (Process p : new Process[] {server, internet}) {
            if (p != null) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void containersPing6EachOtherByAddressAndNameAndRmLeavesNothing() throws Exception {
        String id = berth.ok("network", "create", "--ipv6", "--subnet", "fd00:b1:2::/64", "--subnet", "10.140.0.0/24",
            "v6net").strip();
        assertEquals("true 10.140.0.0/24 fd00:b1:2::/64 fd00:b1:2::1", berth.ok("network", "inspect", "-f",
            "{{.EnableIPv6}} {{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 1).Subnet}}"
                + " {{(index .IPAM.Config 1).Gateway}}", "v6net").strip());
        assertTrue(berth.ok("network", "ls").contains(id.substring(0, 12) + "   v6net "));
        // the bridge and the firewall tables appear with the first container: what is there
        // after it is gone is what must be there after the others are gone too
        berth.ok("run", "--rm", "--network", "v6net", "host", "true");
        String before = kernelState();
        assertTrue(before.contains("fd00:b1:2::1"), before);

        berth.ok("run", "-d", "--name", "a", "--network", "v6net", "host", "sleep", "60");
        berth.ok("run", "-d", "--name", "b", "--network", "v6net", "--ip6", "fd00:b1:2::77", "host", "sleep", "60");
        String a6 = berth.ok("inspect", "-f", "{{.NetworkSettings.GlobalIPv6Address}}", "a").strip();
        assertTrue(a6.startsWith("fd00:b1:2::"), a6);
        assertEquals(a6 + " 64 fd00:b1:2::1", berth.ok("inspect", "-f", "{{.NetworkSettings.Networks.v6net.GlobalIPv6Address}}"
            + " {{.NetworkSettings.Networks.v6net.GlobalIPv6PrefixLen}} {{.NetworkSettings.Networks.v6net.IPv6Gateway}}",
            "a").strip());
        assertEquals("fd00:b1:2::77 64 fd00:b1:2::1", berth.ok("inspect", "-f", "{{.NetworkSettings.GlobalIPv6Address}}"
            + " {{.NetworkSettings.GlobalIPv6PrefixLen}} {{.NetworkSettings.IPv6Gateway}}", "b").strip());
        // in a's namespace: the address (usable at once, not learnt), the default route, no SLAAC or RA
        Path inside = Path.of("/proc/" + Host.pid(berth, "a") + "/ns/net");
        String addr = ip(inside, "-j", "-6", "addr", "show", "eth0");
        assertTrue(addr.contains("\"local\":\"" + a6 + "\",\"prefixlen\":64"), addr);
        assertFalse(addr.contains("tentative") || addr.contains("dynamic") || addr.contains("mngtmpaddr"), addr);
        assertTrue(ip(inside, "-j", "-6", "route", "show", "default").contains("\"gateway\":\"fd00:b1:2::1\""));
        assertEquals("0 0 0", command("nsenter", "--net=" + inside, "sh", "-c",
            "cd /proc/sys/net/ipv6/conf/eth0 && echo $(cat disable_ipv6) $(cat accept_ra) $(cat autoconf)").strip());
        // the gateway is the bridge's, in the test's namespace
        String bridge = "br-" + id.substring(0, 12);
        assertTrue(ip(berth.netns(), "-j", "-6", "addr", "show", bridge).contains("\"local\":\"fd00:b1:2::1\""));
        // ping6 by address and by name (the AAAA line in the hosts file)
        berth.ok("exec", "a", "busybox", "ping6", "-c", "1", "-W", "3", "fd00:b1:2::77");
        String byName = berth.ok("exec", "a", "busybox", "ping6", "-c", "1", "-W", "3", "b");
        assertTrue(byName.contains("(fd00:b1:2::77)"), byName);
        String toA = berth.ok("exec", "b", "busybox", "ping6", "-c", "1", "-W", "3", "a");
        assertTrue(toA.contains("(" + a6 + ")"), toA + berth.ok("exec", "b", "cat", "/etc/hosts"));
        String hostsA = berth.ok("exec", "a", "cat", "/etc/hosts");
        assertTrue(hostsA.contains(a6 + "\t") && hostsA.contains("fd00:b1:2::77\tb "), hostsA);
        assertTrue(berth.ok("network", "inspect", "-f", "{{json .Containers}}", "v6net")
            .contains("\"IPv6Address\":\"fd00:b1:2::77/64\""));
        // the same address twice, an address outside, --ip6 on a network without IPv6
        Berth.Result taken = berth.run("run", "--rm", "--network", "v6net", "--ip6", "fd00:b1:2::77", "host", "true");
        assertEquals(125, taken.code());
        assertTrue(taken.err().contains("already in use"), taken.err());
        assertEquals(125, berth.run("run", "--rm", "--network", "v6net", "--ip6", "fd00:9::7", "host", "true").code());
        Berth.Result v4only = berth.run("run", "--rm", "--network", "bridge", "--ip6", "fd00:b1:2::78", "host", "true");
        assertEquals(125, v4only.code());
        assertTrue(v4only.err().contains("has no IPv6"), v4only.err());

        berth.ok("rm", "-f", "a", "b");
        assertEquals(before, kernelState(), "rm left something in the kernel");
        String ipam = Files.readString(berth.root().resolve("networks/.ipam/v6net.json"));
        assertTrue(ipam.contains("\"Addresses6\":{}") && ipam.contains("\"Addresses\":{}"), ipam);
        berth.ok("network", "rm", "v6net");
        assertFalse(ip(berth.netns(), "-j", "link").contains(bridge), "bridge left");
        assertFalse(ruleset().contains("network v6net"), ruleset());
    }

    @Test
    void publishedPortsAnswerOverIpv6AndContainersReachOutThroughMasqueradeUnlessInternal() throws Exception {
        internet();
        berth.ok("network", "create", "--ipv6", "--subnet", "fd00:b1:3::/64", "out6");
        berth.ok("network", "create", "--ipv6", "--internal", "--subnet", "fd00:b1:4::/64", "in6");
        // the internet has no route to fd00:b1:3::/64: an answer comes back only to the host's address
        assertEquals("from-internet", NetTools.awaitOk(berth, "run", "--rm", "--network", "out6", "host",
            "busybox", "nc", "-w", "3", "2001:db8:99::2", "7777").strip());
        Berth.Result internal = berth.run("run", "--rm", "--network", "in6", "host",
            "busybox", "nc", "-w", "2", "2001:db8:99::2", "7777");
        assertNotEquals(0, internal.code(), internal.out());

        String web = berth.ok("run", "-d", "--name", "web", "--network", "out6", "-p", "8080:7000", "host",
            "busybox", "nc", "-ll", "-p", "7000", "-e", "echo", "published6").strip();
        assertEquals("map[7000/tcp:[map[HostIp:0.0.0.0 HostPort:8080] map[HostIp::: HostPort:8080]]]",
            berth.ok("inspect", "-f", "{{.NetworkSettings.Ports}}", "web").strip());
        // from the host: its address on the uplink and the bridge's; IPv4 as before
        assertEquals("published6", NetTools.fetch(berth.netns(), "2001:db8:99::1", 8080));
        assertEquals("published6", NetTools.fetch(berth.netns(), "fd00:b1:3::1", 8080));
        assertEquals("published6", NetTools.fetch(berth.netns(), "127.0.0.1", 8080));
        // [::1] is refused at once, not left hanging (no route_localnet in IPv6: see networking.md)
        assertTrue(NetTools.refused(berth.netns(), "::1", 8080));
        // from another host
        assertEquals("published6", NetTools.fetch(Path.of("/proc/" + internet.pid() + "/ns/net"), "2001:db8:99::1", 8080));
        // from another container of the network, through the host's address (hairpin)
        assertEquals("published6", berth.ok("run", "--rm", "--network", "out6", "host",
            "busybox", "nc", "-w", "2", "2001:db8:99::1", "8080").strip());
        assertTrue(ruleset().contains("container " + web), ruleset());
        berth.ok("rm", "-f", "web");
        assertFalse(ruleset().contains("container "), "ports left: " + ruleset());
        assertTrue(NetTools.refused(berth.netns(), "2001:db8:99::1", 8080));
    }

    /**
     * A second network namespace, "the internet": {@code 2001:db8:99::2} on a veth whose other
     * end, {@code 2001:db8:99::1}, is in the test's namespace, with a server on port 7777 and no
     * route to anything else.
     */
    private void internet() throws Exception {
        internet = new ProcessBuilder("unshare", "--net", "sh", "-c", "ip link set lo up && exec sleep 600").start();
        Path ns = Path.of("/proc/" + internet.pid() + "/ns/net");
        for (int i = 0; i < 200 && (ip(ns, "-j", "link").contains("\"eth0\"") || !ip(ns, "link", "show", "lo").contains(",UP")); i++) {
            Thread.sleep(10);
        }
        command("nsenter", "--net=" + berth.netns(), "ip", "link", "add", "up0", "type", "veth", "peer", "name", "wan0",
            "netns", Long.toString(internet.pid()));
        command("nsenter", "--net=" + berth.netns(), "ip", "addr", "add", "2001:db8:99::1/64", "dev", "up0", "nodad");
        command("nsenter", "--net=" + berth.netns(), "ip", "link", "set", "up0", "up");
        command("nsenter", "--net=" + ns, "ip", "addr", "add", "2001:db8:99::2/64", "dev", "wan0", "nodad");
        command("nsenter", "--net=" + ns, "ip", "link", "set", "wan0", "up");
        server = new ProcessBuilder("nsenter", "--net=" + ns, "busybox", "nc", "-ll", "-p", "7777", "-e", "echo",
            "from-internet").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /**
     * What the kernel of the test's namespace holds: IPv6 addresses and routes, and the whole
     * rule set, once the kernel has deleted the host ends of the pairs of containers that are
     * gone (it does so after their namespace, asynchronously); without the bridge's carrier and
     * operational state and its link-local address being tentative, which only say how long ago
     * the bridge came up or lost its last port.
     */
    private String kernelState() throws Exception {
        for (int i = 0; i < 100 && ip(berth.netns(), "-j", "link").contains("\"ifname\":\"vb"); i++) {
            Thread.sleep(50);
        }
        return ip(berth.netns(), "-j", "-6", "addr").replace("\"tentative\":true,", "").replace(",\"LOWER_UP\"", "")
            .replaceAll("\"operstate\":\"[A-Z]+\",", "") + "\n"
            + ip(berth.netns(), "-j", "-6", "route") + "\n" + ruleset();
    }

    private String ruleset() throws Exception {
        return command("nsenter", "--net=" + berth.netns(), "nft", "-j", "list", "ruleset");
    }
}
