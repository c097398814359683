package dev.berth.cli.it;

import static dev.berth.cli.it.NetTools.awaitOk;
import static dev.berth.cli.it.NetTools.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * berth network and berth port, checked from outside: the bridge and the container's
 * interfaces with iproute2 in their namespaces, the firewall with nft, names by connecting to
 * them. berth runs in a network namespace of the test's own.
 */
class UserNetworkTest extends ContainerTestBase {
    @BeforeEach
    void ownNetns() throws Exception {
        berth.inOwnNetns();
    }

    @Test
    void networksAreCreatedListedInspectedAndRemoved() throws Exception {
        String id = berth.ok("network", "create", "--subnet", "10.123.0.0/24", "--gateway", "10.123.0.254",
            "--label", "team=blue", "--internal", "web").strip();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        assertEquals("10.123.0.0/24 10.123.0.254 true blue", berth.ok("network", "inspect", "web", "-f",
            "{{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}} {{.Internal}} {{.Labels.team}}").strip());
        String ls = berth.ok("network", "ls");
        assertTrue(ls.startsWith("NETWORK ID"), ls);
        assertTrue(ls.contains(id.substring(0, 12) + "   web "), ls);
        assertTrue(ls.contains(" bridge "), ls);
        assertEquals(id.substring(0, 12) + "\n", berth.ok("network", "ls", "-q", "-f", "label=team=blue"));
        assertEquals("bridge\n", berth.ok("network", "ls", "--format", "{{.Name}}", "-f", "type=builtin"));
        // what docker refuses, berth refuses, with the way out in the message
        Berth.Result again = berth.run("network", "create", "web");
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already exists"), again.err());
        Berth.Result overlap = berth.run("network", "create", "--subnet", "10.123.0.128/25", "other");
        assertEquals(1, overlap.code());
        assertTrue(overlap.err().contains("overlaps with network web"), overlap.err());
        Berth.Result gateway = berth.run("network", "create", "--subnet", "10.124.0.0/24", "--gateway", "10.9.9.9", "x");
        assertEquals(1, gateway.code());
        assertTrue(gateway.err().contains("not in subnet"), gateway.err());
        assertEquals(1, berth.run("network", "create", "-d", "overlay", "x").code());
        assertEquals(1, berth.run("network", "rm", "bridge").code());
        assertEquals(1, berth.run("network", "inspect", "nosuch").code());
        assertEquals("web\n", berth.ok("network", "rm", "web"));
        assertFalse(berth.ok("network", "ls").contains(" web "));
        assertEquals(1, berth.run("network", "rm", "web").code());
    }

    @Test
    void containersOnANetworkReachEachOtherByNameAndNoOtherNetwork() throws Exception {
        berth.ok("network", "create", "front");
        berth.ok("network", "create", "back");
        berth.ok("run", "-d", "--name", "a", "--network", "front", "--network-alias", "api", "host",
            "busybox", "nc", "-ll", "-p", "7000", "-e", "echo", "from-a");
        assertEquals("from-a", awaitOk(berth, "run", "--rm", "--network", "front", "host",
            "busybox", "nc", "-w", "2", "a", "7000").strip());
        assertEquals("from-a", berth.ok("run", "--rm", "--network", "front", "host",
            "busybox", "nc", "-w", "2", "api", "7000").strip());
        // another network neither resolves the name nor reaches the address
        String addr = berth.ok("inspect", "-f", "{{.NetworkSettings.Networks.front.IPAddress}}", "a").strip();
        Berth.Result byName = berth.run("run", "--rm", "--network", "back", "host", "busybox", "nc", "-w", "2", "a", "7000");
        assertNotEquals(0, byName.code());
        Berth.Result byAddress = berth.run("run", "--rm", "--network", "back", "host",
            "busybox", "nc", "-w", "2", addr, "7000");
        assertNotEquals(0, byAddress.code(), byAddress.out());
        // the bridges are there, each with its gateway, and nothing of a removed container stays
        String front = berth.ok("network", "inspect", "-f", "{{index .Options \"com.docker.network.bridge.name\"}}", "front").strip();
        assertTrue(ip(berth.netns(), "-j", "addr", "show", front).contains("\"local\":\""), front);
        berth.ok("rm", "-f", "a");
        assertEquals("{}", berth.ok("network", "inspect", "-f", "{{json .Containers}}", "front").strip());
        // what the runs on front remembered of its firewall (networking.md) goes with it
        Path memo = berth.root().resolve("networks/.firewall")
            .resolve(berth.ok("network", "inspect", "-f", "{{.Id}}", "front").strip());
        assertTrue(Files.exists(memo), "the runs on front found its firewall in place");
        berth.ok("network", "rm", "front", "back");
        assertFalse(Files.exists(memo), "its firewall memo left");
        assertFalse(ip(berth.netns(), "-j", "link").contains(front), "bridge left");
        assertFalse(NetTools.nft(berth.netns()).contains("network front"), NetTools.nft(berth.netns()));
    }

    @Test
    void aRunningContainerIsConnectedAndDisconnected() throws Exception {
        berth.ok("network", "create", "--subnet", "10.125.0.0/24", "extra");
        berth.ok("run", "-d", "--name", "srv", "--network", "extra", "host",
            "busybox", "nc", "-ll", "-p", "7000", "-e", "echo", "from-srv");
        berth.ok("run", "-d", "--name", "c", "--network", "bridge", "host", "sleep", "60");
        Path inside = Path.of("/proc/" + Host.pid(berth, "c") + "/ns/net");
        berth.ok("network", "connect", "--ip", "10.125.0.77", "--alias", "see", "extra", "c");
        assertTrue(ip(inside, "-j", "addr", "show", "eth1").contains("\"local\":\"10.125.0.77\""));
        assertEquals("from-srv", awaitOk(berth, "exec", "c", "busybox", "nc", "-w", "2", "srv", "7000").strip());
        assertTrue(Files.readString(hosts("srv")).contains("10.125.0.77\tc see "), Files.readString(hosts("srv")));
        assertTrue(berth.ok("network", "inspect", "-f", "{{json .Containers}}", "extra").contains("10.125.0.77/24"));
        assertEquals("10.125.0.77", berth.ok("inspect", "-f", "{{.NetworkSettings.Networks.extra.IPAddress}}", "c").strip());
        // connected once only; a network that does not exist; a network rm while in use
        assertEquals(1, berth.run("network", "connect", "extra", "c").code());
        assertEquals(1, berth.run("network", "connect", "nosuch", "c").code());
        Berth.Result inUse = berth.run("network", "rm", "extra");
        assertEquals(1, inUse.code());
        assertTrue(inUse.err().contains("active endpoints"), inUse.err());
        berth.ok("network", "disconnect", "extra", "c");
        String links = ip(inside, "-j", "link");
        assertFalse(links.contains("\"eth1\""), links);
        assertFalse(Files.readString(hosts("srv")).contains("10.125.0.77"));
        assertFalse(berth.ok("network", "inspect", "-f", "{{json .Containers}}", "extra").contains("10.125.0.77"));
        assertEquals(1, berth.run("network", "disconnect", "extra", "c").code());
        // an auto-removed container that was connected later frees its address and name as it goes
        berth.ok("run", "-d", "--rm", "--name", "tmp", "host", "sleep", "60");
        berth.ok("network", "connect", "extra", "tmp");
        assertTrue(Files.readString(hosts("srv")).contains("\ttmp "));
        berth.ok("kill", "tmp");
        for (int i = 0; i < 100 && berth.run("inspect", "tmp").code() == 0; i++) {
            Thread.sleep(50);
        }
        assertFalse(Files.readString(hosts("srv")).contains("\ttmp "), Files.readString(hosts("srv")));
        assertFalse(berth.ok("network", "inspect", "-f", "{{json .Containers}}", "extra").contains("\"tmp\""));
        // a container in the host's network namespace has none of its own to plug into
        berth.ok("run", "-d", "--name", "h", "--network", "host", "host", "sleep", "60");
        Berth.Result host = berth.run("network", "connect", "extra", "h");
        assertEquals(1, host.code());
        assertTrue(host.err().contains("network namespace"), host.err());
    }

    @Test
    void portListsPublishedPortsAndPruneRemovesUnusedNetworks() throws Exception {
        berth.ok("network", "create", "used");
        berth.ok("network", "create", "idle");
        berth.ok("run", "-d", "--name", "p", "--network", "used", "-p", "8080:7000", "-p", "9090:53/udp", "host",
            "sleep", "60");
        assertEquals("53/udp -> 0.0.0.0:9090\n7000/tcp -> 0.0.0.0:8080\n", berth.ok("port", "p"));
        assertEquals("0.0.0.0:8080\n", berth.ok("port", "p", "7000"));
        assertEquals("0.0.0.0:9090\n", berth.ok("port", "p", "53/udp"));
        assertEquals(1, berth.run("port", "p", "81").code());
        assertEquals("0.0.0.0:9090->53/udp, 0.0.0.0:8080->7000/tcp used\n",
            berth.ok("ps", "--format", "{{.Ports}} {{.Networks}}"));
        assertTrue(berth.ok("ps").lines().findFirst().orElseThrow().contains(" PORTS "));
        assertEquals(125, berth.run("port", "p", "http").code());
        // -P: the exposed ports on free ephemeral ports, except what -p publishes
        berth.ok("run", "-d", "--name", "q", "--network", "used", "-P", "--expose", "7000", "--expose", "7001",
            "-p", "8081:7001", "host", "sleep", "60");
        String picked = berth.ok("port", "q", "7000").strip();
        int port = Integer.parseInt(picked.substring("0.0.0.0:".length()));
        String[] range = dev.berth.linux.Procs.sysctl(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).strip().split("\\s+");
        assertTrue(port >= Integer.parseInt(range[0]) && port <= Integer.parseInt(range[1]), picked);
        assertEquals("0.0.0.0:8081\n", berth.ok("port", "q", "7001"));
        assertEquals("map[7000/tcp:map[] 7001/tcp:map[]] true",
            berth.ok("inspect", "-f", "{{.Config.ExposedPorts}} {{.HostConfig.PublishAllPorts}}", "q").strip());
        assertEquals(125, berth.run("run", "--rm", "-P", "host", "true").code());
        assertEquals(125, berth.run("run", "--rm", "--expose", "80:80", "host", "true").code());
        assertEquals("Deleted Networks:\nidle\n", berth.ok("network", "prune", "-f"));
        assertEquals("bridge\nused\n", berth.ok("network", "ls", "--format", "{{.Name}}"));
    }

    @Test
    void reloadPutsBackWhatAFlushedRuleSetAndADeletedBridgeTook() throws Exception {
        berth.ok("network", "create", "svc");
        String web = berth.ok("run", "-d", "--name", "web", "--network", "svc", "-p", "8080:7000", "host",
            "busybox", "nc", "-ll", "-p", "7000", "-e", "echo", "back").strip();
        String b = berth.ok("run", "-d", "--name", "b", "--network", "svc", "host", "sleep", "60").strip();
        assertEquals("back", NetTools.fetch(berth.netns(), "127.0.0.1", 8080));
        String bridge = berth.ok("network", "inspect", "-f", "{{index .Options \"com.docker.network.bridge.name\"}}",
            "svc").strip();
        NetTools.command("nsenter", "--net=" + berth.netns(), "nft", "flush", "ruleset");
        NetTools.command("nsenter", "--net=" + berth.netns(), "ip", "link", "del", bridge);
        assertTrue(NetTools.refused(berth.netns(), "127.0.0.1", 8080));
        assertNotEquals(0, berth.run("exec", "b", "busybox", "nc", "-w", "1", "web", "7000").code());
        String reloaded = berth.ok("network", "reload", "--all");
        assertTrue(reloaded.contains(web) && reloaded.contains(b), reloaded);
        assertEquals("back", NetTools.fetch(berth.netns(), "127.0.0.1", 8080));
        assertEquals("back", awaitOk(berth, "exec", "b", "busybox", "nc", "-w", "2", "web", "7000").strip());
        assertEquals(125, berth.run("network", "reload").code());
    }

    private Path hosts(String container) throws Exception {
        return Path.of(berth.ok("inspect", "-f", "{{.HostsPath}}", container).strip());
    }
}
