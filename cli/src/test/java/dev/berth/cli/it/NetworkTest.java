package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bridge networking checked from outside the container: its eth0, address and route read in its
 * network namespace, the bridge and the veth in the test's, a published port reached over TCP.
 * berth runs in a network namespace of the test's own, where the bridge and rules are made.
 */
class NetworkTest extends ContainerTestBase {
    @BeforeEach
    void ownNetns() throws Exception {
        berth.inOwnNetns();
    }

    @Test
    void aContainerOnTheBridgeHasItsAddressRouteAndVeth() throws Exception {
        berth.ok("run", "-d", "--name", "a", "--network", "bridge", "host", "sleep", "60");
        String ip = berth.ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "a").strip();
        String gateway = berth.ok("inspect", "-f", "{{.NetworkSettings.Gateway}}", "a").strip();
        assertTrue(ip.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"), ip);
        long pid = Host.pid(berth, "a");
        Path inside = Path.of("/proc/" + pid + "/ns/net");
        assertNotEquals(Host.ns(pid, "net"), Files.readSymbolicLink(berth.netns()).toString());
        String addr = ip(inside, "-j", "addr", "show", "eth0");
        assertTrue(addr.contains("\"local\":\"" + ip + "\""), addr);
        String mac = berth.ok("inspect", "-f", "{{.NetworkSettings.MacAddress}}", "a").strip();
        assertTrue(mac.startsWith("02:42:") && addr.contains(mac), addr);
        assertTrue(ip(inside, "-j", "route", "show", "default").contains("\"gateway\":\"" + gateway + "\""));
        // the host end is a port of berth0, whose address is the gateway
        String ports = ip(berth.netns(), "-j", "link", "show", "master", "berth0");
        assertTrue(ports.contains("\"ifname\":\"vb" + berth.ok("inspect", "-f", "{{.Id}}", "a").substring(0, 11)), ports);
        assertTrue(ip(berth.netns(), "-j", "addr", "show", "berth0").contains("\"local\":\"" + gateway + "\""));
        // a second container gets the next address and reaches the first
        berth.ok("run", "-d", "--name", "b", "--network", "bridge", "host", "sleep", "60");
        assertNotEquals(ip, berth.ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "b").strip());
        berth.ok("exec", "-d", "a", "busybox", "nc", "-l", "-p", "7000", "-e", "echo", "from-a");
        String reply = awaitOk("exec", "b", "busybox", "nc", "-w", "2", ip, "7000");
        assertEquals("from-a", reply.strip());
        berth.ok("rm", "-f", "a", "b");
        assertFalse(ipam().contains(ip), "address still held after rm: " + ipam());
    }

    @Test
    void aPublishedPortAnswersOnTheHostAddressAndLoopbackAndGoesWithTheContainer() throws Exception {
        berth.ok("run", "-d", "--name", "web", "--network", "bridge", "-p", "8080:7000", "host",
            "busybox", "nc", "-ll", "-p", "7000", "-e", "echo", "published");
        assertEquals("map[7000/tcp:[map[HostIp: HostPort:8080]]]",
            berth.ok("inspect", "-f", "{{.NetworkSettings.Ports}}", "web").strip());
        assertEquals("published", fetch("127.0.0.1", 8080));
        String gateway = berth.ok("inspect", "-f", "{{.NetworkSettings.Gateway}}", "web").strip();
        assertEquals("published", fetch(gateway, 8080));
        // from a container through the host's address, and from itself (hairpin)
        assertEquals("published", berth.ok("run", "--rm", "--network", "bridge", "host",
            "busybox", "nc", "-w", "2", gateway, "8080").strip());
        assertEquals("published", berth.ok("exec", "web", "busybox", "nc", "-w", "2", gateway, "8080").strip());
        // the port is taken while web has it
        Berth.Result taken = berth.run("run", "--rm", "--network", "bridge", "-p", "8080:80", "host", "true");
        assertEquals(125, taken.code());
        assertTrue(taken.err().contains("8080"), taken.err());
        berth.ok("rm", "-f", "web");
        assertFalse(nft().contains("container "), "rules left: " + nft());
        assertTrue(refused("127.0.0.1", 8080));
    }

    @Test
    void theContainersFilesNameItsAddressAndTheGivenServers() throws Exception {
        String out = berth.ok("run", "--rm", "--network", "bridge", "--hostname", "box", "--add-host", "db:10.1.2.3",
            "--dns", "9.9.9.9", "--dns-search", "example.org", "host", "sh", "-c",
            "cat /etc/hosts /etc/resolv.conf; ip -o -4 addr show eth0");
        String ip = out.substring(out.indexOf("inet ") + 5, out.indexOf('/', out.indexOf("inet ")));
        assertTrue(out.contains(ip + "\tbox"), out);
        assertTrue(out.contains("10.1.2.3\tdb"), out);
        assertTrue(out.contains("nameserver 9.9.9.9"), out);
        assertTrue(out.contains("search example.org"), out);
    }

    @Test
    void theDefaultNetworksSubnetCanBeChosen() throws Exception {
        berth.env("BERTH_BRIDGE_SUBNET", "10.201.0.0/24");
        String ip = berth.ok("run", "--rm", "--network", "bridge", "host", "ip", "-o", "-4", "addr", "show", "eth0");
        assertTrue(ip.contains(" 10.201.0.2/24 "), ip);
        assertTrue(ip(berth.netns(), "-j", "addr", "show", "berth0").contains("\"local\":\"10.201.0.1\""));
    }

    @Test
    void badNetworkRequestsFailAndLeaveNothing() throws Exception {
        Berth.Result noNetwork = berth.run("run", "--rm", "-p", "80", "host", "true");
        assertEquals(125, noNetwork.code());
        assertTrue(noNetwork.err().contains("-p needs a network"), noNetwork.err());
        Berth.Result missing = berth.run("run", "--rm", "--network", "nosuch", "host", "true");
        assertEquals(125, missing.code());
        assertTrue(missing.err().contains("nosuch"), missing.err());
        Berth.Result outside = berth.run("run", "--rm", "--network", "bridge", "--ip", "192.0.2.9", "host", "true");
        assertEquals(125, outside.code());
        Berth.Result badPort = berth.run("run", "--rm", "--network", "bridge", "-p", "70000:80", "host", "true");
        assertEquals(125, badPort.code());
        Berth.Result alias = berth.run("run", "--rm", "--network", "bridge", "--network-alias", "web", "host", "true");
        assertEquals(125, alias.code());
        assertTrue(alias.err().contains("only on user-defined networks"), alias.err());
        assertEquals("", berth.ok("ps", "-a", "-q"));
        assertFalse(ipam().matches("(?s).*\"Addresses\":\\{[^}].*"), "addresses held: " + ipam());
    }

    private String ipam() throws IOException {
        Path f = berth.root().resolve("networks/.ipam/bridge.json");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    private String nft() throws Exception {
        return NetTools.nft(berth.netns());
    }

    private static String ip(Path netns, String... args) throws Exception {
        return NetTools.ip(netns, args);
    }

    private String awaitOk(String... args) throws Exception {
        return NetTools.awaitOk(berth, args);
    }

    private String fetch(String host, int port) throws Exception {
        return NetTools.fetch(berth.netns(), host, port);
    }

    private boolean refused(String host, int port) throws Exception {
        return NetTools.refused(berth.netns(), host, port);
    }
}
