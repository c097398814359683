package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The daemon's /networks endpoints driven by the real docker CLI, the daemon in a network
 * namespace of the test's own; bridges and interfaces checked with iproute2 from outside.
 */
class DaemonNetworkTest extends DaemonTestBase {
    @Override
    protected Process startDaemon(Path sock, Path root) throws IOException {
        try {
            berth.inOwnNetns(); // the daemon's bridges and firewall rules stay in the test's namespace
            berth.unsetEnv("BERTH_DEFAULT_NETWORK"); // so its default is dockerd's: the bridge
        } catch (Exception e) {
            throw new IOException("cannot make the test's network namespace", e);
        }
        return super.startDaemon(sock, root);
    }

    /** Retries a docker command until it succeeds (a listener starting up); its output. */
    private String awaitOk(String... args) throws Exception {
        Berth.Result r = null;
        for (int i = 0; i < 30; i++) {
            r = docker(null, args);
            if (r.code() == 0) {
                return r.out();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("docker " + String.join(" ", args) + " kept failing: " + r.err());
    }

    /** docker run sends NetworkMode "default": the daemon gives the default bridge, and -p works on it. */
    @Test
    void dockerRunWithoutANetworkIsOnTheBridgeAndPublishes() throws Exception {
        ok("run", "-d", "--name", "web", "-p", "8080:7000", "host", "busybox", "nc", "-ll", "-p", "7000", "-e", "echo", "hi");
        assertEquals("bridge", ok("inspect", "-f", "{{.HostConfig.NetworkMode}}", "web").strip());
        String ip = ok("inspect", "-f", "{{.NetworkSettings.Networks.bridge.IPAddress}}", "web").strip();
        Path inside = Path.of("/proc/" + ok("inspect", "-f", "{{.State.Pid}}", "web").strip() + "/ns/net");
        assertTrue(NetTools.ip(inside, "-j", "addr", "show", "eth0").contains("\"local\":\"" + ip + "\""), ip);
        assertEquals("hi", NetTools.fetch(berth.netns(), "127.0.0.1", 8080));
        ok("rm", "-f", "web");
        assertTrue(NetTools.refused(berth.netns(), "127.0.0.1", 8080));
        // dockerd's --bridge takes a device of the host's; berth only none, and says what to use instead
        Berth.Result b = berth.run("daemon", "-b", "docker0");
        assertEquals(125, b.code(), b.err());
        assertTrue(b.err().contains("BERTH_DEFAULT_NETWORK"), b.err());
    }

    @Test
    void dockerNetworkCommandsAndContainersReachingEachOtherByName() throws Exception {
        String id = ok("network", "create", "--subnet", "10.131.0.0/24", "--label", "team=blue", "net1").strip();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        String ls = ok("network", "ls");
        assertTrue(ls.startsWith("NETWORK ID     NAME      DRIVER    SCOPE\n"), ls);
        assertTrue(ls.contains(id.substring(0, 12) + "   net1      bridge    local\n"), ls);
        assertEquals("net1\n", ok("network", "ls", "--filter", "label=team=blue", "--format", "{{.Name}}"));
        assertEquals("10.131.0.0/24 blue", ok("network", "inspect", "-f",
            "{{(index .IPAM.Config 0).Subnet}} {{.Labels.team}}", "net1").strip());
        Berth.Result dup = docker(null, "network", "create", "net1");
        assertEquals(1, dup.code());
        assertTrue(dup.err().contains("already exists"), dup.err());
        Berth.Result none = docker(null, "network", "inspect", "nosuch");
        assertEquals(1, none.code());
        assertTrue(none.err().contains("not found"), none.err());
        // two containers on the network: one reaches the other by name and by alias
        ok("run", "-d", "--name", "a", "--network", "net1", "--network-alias", "api", "host",
            "busybox", "nc", "-ll", "-p", "7000", "-e", "echo", "from-a");
        assertEquals("from-a", awaitOk("run", "--rm", "--network", "net1", "host", "busybox", "nc", "-w", "2", "a", "7000")
            .strip());
        assertEquals("from-a", ok("run", "--rm", "--network", "net1", "host", "busybox", "nc", "-w", "2", "api", "7000")
            .strip());
        String bridge = ok("network", "inspect", "-f", "{{index .Options \"com.docker.network.bridge.name\"}}", "net1").strip();
        assertTrue(NetTools.ip(berth.netns(), "-j", "addr", "show", bridge).contains("\"local\":\"10.131.0.1\""), bridge);
        // connect a running container (with an address and an alias), then disconnect it
        ok("run", "-d", "--name", "c", "--network", "bridge", "host", "sleep", "60");
        Path inside = Path.of("/proc/" + ok("inspect", "-f", "{{.State.Pid}}", "c").strip() + "/ns/net");
        assertFalse(NetTools.ip(inside, "-j", "addr").contains("10.131.0.77"));
        ok("network", "connect", "--ip", "10.131.0.77", "--alias", "see", "net1", "c");
        assertTrue(NetTools.ip(inside, "-j", "addr", "show", "eth1").contains("\"local\":\"10.131.0.77\""));
        assertEquals("from-a", awaitOk("exec", "c", "busybox", "nc", "-w", "2", "a", "7000").strip());
        assertTrue(ok("network", "inspect", "-f", "{{json .Containers}}", "net1").contains("10.131.0.77/24"));
        assertEquals("10.131.0.77", ok("inspect", "-f", "{{.NetworkSettings.Networks.net1.IPAddress}}", "c").strip());
        ok("network", "disconnect", "net1", "c");
        assertFalse(NetTools.ip(inside, "-j", "link").contains("\"eth1\""));
        assertNotEquals(0, docker(null, "exec", "c", "busybox", "nc", "-w", "1", "a", "7000").code());
        // in use: refused; then removed with its bridge
        Berth.Result inUse = docker(null, "network", "rm", "net1");
        assertEquals(1, inUse.code());
        assertTrue(inUse.err().contains("active endpoints"), inUse.err());
        ok("rm", "-f", "a");
        assertEquals("net1\n", ok("network", "rm", "net1"));
        assertFalse(NetTools.ip(berth.netns(), "-j", "link").contains("\"" + bridge + "\""), "bridge left");
        assertFalse(ok("network", "ls").contains("net1"));
        // prune takes the networks no running container uses
        ok("network", "create", "spare");
        String pruned = ok("network", "prune", "-f");
        assertTrue(pruned.contains("Deleted Networks:\nspare\n"), pruned);
        assertFalse(ok("network", "ls").contains("spare"));
    }

    @Test
    void aRenamedContainerIsReachedByItsNewNameOnly() throws Exception {
        ok("network", "create", "--subnet", "10.132.0.0/24", "net2");
        ok("run", "-d", "--name", "old", "--network", "net2", "--network-alias", "svc", "host",
            "busybox", "nc", "-ll", "-p", "7000", "-e", "echo", "served");
        ok("run", "-d", "--name", "peer", "--network", "net2", "host", "sleep", "120");
        assertEquals("served", awaitOk("exec", "peer", "busybox", "nc", "-w", "2", "old", "7000").strip());
        ok("rename", "old", "new");
        // the peer resolves the new name, no longer the old one; the alias stays
        assertEquals("served", ok("exec", "peer", "busybox", "nc", "-w", "2", "new", "7000").strip());
        assertEquals("served", ok("exec", "peer", "busybox", "nc", "-w", "2", "svc", "7000").strip());
        Berth.Result gone = docker(null, "exec", "peer", "busybox", "nc", "-w", "1", "old", "7000");
        assertNotEquals(0, gone.code(), gone.out());
        String address = ok("inspect", "-f", "{{.NetworkSettings.Networks.net2.IPAddress}}", "new").strip();
        String hosts = ok("exec", "peer", "cat", "/etc/hosts");
        assertTrue(hosts.lines().anyMatch(l -> l.startsWith(address + "\tnew svc ")), hosts);
        assertFalse(hosts.lines().anyMatch(l -> l.matches(".*\\sold(\\s.*)?")), hosts);
        // a container that joins afterwards learns the new name too
        assertEquals("served", ok("run", "--rm", "--network", "net2", "host", "busybox", "nc", "-w", "2", "new", "7000")
            .strip());
        ok("rm", "-f", "new", "peer");
        ok("network", "rm", "net2");
    }

    @Test
    void dockerCreatesADualStackNetworkAndInspectShowsTheIpv6Fields() throws Exception {
        ok("network", "create", "--ipv6", "--subnet", "fd00:b1:5::/64", "--subnet", "10.133.0.0/24",
            "--gateway", "fd00:b1:5::fe", "net6");
        assertEquals("true 10.133.0.0/24 fd00:b1:5::/64 fd00:b1:5::fe", ok("network", "inspect", "-f",
            "{{.EnableIPv6}} {{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 1).Subnet}}"
                + " {{(index .IPAM.Config 1).Gateway}}", "net6").strip());
        ok("run", "-d", "--name", "s", "--network", "net6", "--ip6", "fd00:b1:5::20", "host",
            "busybox", "nc", "-ll", "-p", "7000", "-e", "echo", "from-s");
        assertEquals("fd00:b1:5::20 64 fd00:b1:5::fe", ok("inspect", "-f", "{{.NetworkSettings.Networks.net6.GlobalIPv6Address}}"
            + " {{.NetworkSettings.Networks.net6.GlobalIPv6PrefixLen}} {{.NetworkSettings.Networks.net6.IPv6Gateway}}", "s").strip());
        assertEquals("fd00:b1:5::20", ok("inspect", "-f", "{{.NetworkSettings.GlobalIPv6Address}}", "s").strip());
        assertTrue(ok("network", "inspect", "-f", "{{json .Containers}}", "net6").contains("\"IPv6Address\":\"fd00:b1:5::20/64\""));
        // reached by name over IPv6 from another container of the network
        assertEquals("from-s", awaitOk("run", "--rm", "--network", "net6", "host", "busybox", "nc", "-w", "2",
            "fd00:b1:5::20", "7000").strip());
        assertTrue(ok("run", "--rm", "--network", "net6", "host", "busybox", "ping6", "-c", "1", "-W", "3", "s")
            .contains("(fd00:b1:5::20)"));
        Path inside = Path.of("/proc/" + ok("inspect", "-f", "{{.State.Pid}}", "s").strip() + "/ns/net");
        assertTrue(NetTools.ip(inside, "-j", "-6", "route", "show", "default").contains("\"gateway\":\"fd00:b1:5::fe\""));
        // an IPv6 subnet without --ipv6 is refused, as a second subnet of one family
        Berth.Result noFlag = docker(null, "network", "create", "--subnet", "fd00:b1:6::/64", "x");
        assertEquals(1, noFlag.code());
        assertTrue(noFlag.err().contains("--ipv6"), noFlag.err());
        ok("rm", "-f", "s");
        ok("network", "rm", "net6");
    }
}
