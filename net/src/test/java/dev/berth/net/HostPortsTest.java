package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Binds only on 127.0.0.1 (briefly, as HostPorts itself does); changes nothing of the machine's
 * network.
 */
class HostPortsTest {
    @TempDir
    Path tmp;
    Networks networks;
    HostPorts ports;

    @BeforeEach
    void setUp() throws Exception {
        networks = new Networks(tmp.resolve("networks"), new Networks.Config(null, Networks.DEFAULT_POOL, tmp.resolve("none")));
        Path range = tmp.resolve("range");
        Files.writeString(range, "41000\t41099\n");
        ports = new HostPorts(networks, range, null);
    }

    @Test
    void picksFreePortsInTheEphemeralRangeAndRemembersThem() throws Exception {
        List<PublishedPort> got = ports.publish("c1", PortSpec.parse("127.0.0.1::80"));
        assertEquals(1, got.size());
        PublishedPort p = got.get(0);
        assertTrue(p.hostPort() >= 41000 && p.hostPort() <= 41099, p.toString());
        assertEquals("127.0.0.1:" + p.hostPort() + "->80/tcp", p.toString());
        assertEquals(got, new HostPorts(networks).list());
        // a range to pick from
        PublishedPort q = ports.publish("c2", PortSpec.parse("127.0.0.1:41500-41502:81")).get(0);
        assertTrue(q.hostPort() >= 41500 && q.hostPort() <= 41502, q.toString());
    }

    @Test
    void aPortAnotherContainerPublishesIsRefused() throws Exception {
        ports.publish("c1", PortSpec.parse("127.0.0.1:41234:80"));
        String m = assertThrows(NetException.Conflict.class, () -> ports.publish("c2", PortSpec.parse("41234:80"))).getMessage();
        assertEquals("Bind for 0.0.0.0:41234 failed: port is already allocated (published by container c1); pick another host port", m);
        // the same address written otherwise is the same address
        ports.publish("c6", PortSpec.parse("[::1]:41240:80"));
        assertThrows(NetException.Conflict.class, () -> ports.publish("c7", PortSpec.parse("[0:0:0:0:0:0:0:1]:41240:80")));
        ports.release("c6");
        // another address or protocol is no clash
        assertEquals(1, ports.publish("c2", PortSpec.parse("127.0.0.1:41234:80/udp")).size());
        // all or nothing: the failing second spec leaves no trace of the first
        assertThrows(NetException.Conflict.class, () -> ports.publish("c3", PortSpec.parseAll(List.of("127.0.0.1:41300:80", "127.0.0.1:41234:80"))));
        assertEquals(Set.of("c1", "c2"), containers(ports.list()));
        // a port picked is never one already given
        Files.writeString(tmp.resolve("range"), "41234\t41235\n");
        assertEquals(41235, ports.publish("c4", PortSpec.parse("127.0.0.1::80")).get(0).hostPort());
        assertThrows(NetException.Conflict.class, () -> ports.publish("c5", PortSpec.parse("127.0.0.1::80")));
    }

    @Test
    void portsOfContainersThatAreGoneAreTakenBackWhenWanted() throws Exception {
        ports.publish("crashed", PortSpec.parse("127.0.0.1:41234:80"));
        HostPorts reclaiming = new HostPorts(networks, tmp.resolve("range"), id -> !id.equals("crashed"));
        assertThrows(NetException.Conflict.class, () -> ports.publish("c1", PortSpec.parse("127.0.0.1:41234:80")));
        assertEquals(41234, reclaiming.publish("c1", PortSpec.parse("127.0.0.1:41234:80")).get(0).hostPort());
        assertEquals(List.of("crashed"), reclaiming.reclaimed());
        assertEquals(Set.of("c1"), containers(ports.list()));
        // a live holder keeps it
        assertThrows(NetException.Conflict.class, () -> reclaiming.publish("c2", PortSpec.parse("41234:80")));
    }

    @Test
    void aPortInUseOnTheHostIsRefusedOrSkipped() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0));
            int port = busy.getLocalPort();
            String m = assertThrows(NetException.Conflict.class,
                () -> ports.publish("c1", PortSpec.parse("127.0.0.1:" + port + ":80"))).getMessage();
            assertEquals("cannot publish 127.0.0.1:" + port + "/tcp: the port is in use on the host (address already in use);"
                + " pick another host port, or stop what uses it", m);
            // udp on the same number is another port
            assertEquals(port, ports.publish("c1", PortSpec.parse("127.0.0.1:" + port + ":80/udp")).get(0).hostPort());
            Files.writeString(tmp.resolve("range"), port + "\t" + (port + 1) + "\n");
            int picked = ports.publish("c2", PortSpec.parse("127.0.0.1::80")).get(0).hostPort();
            assertNotEquals(port, picked);
        }
        try (DatagramSocket busy = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0))) {
            assertTrue(HostPorts.bindError("127.0.0.1", busy.getLocalPort(), "udp").contains("in use"));
        }
        assertTrue(HostPorts.bindError("192.0.2.77", 41999, "tcp").contains("not an address of this host"));
    }

    @Test
    void releaseAndReclaim() throws Exception {
        ports.publish("c1", PortSpec.parse("127.0.0.1::80"));
        ports.publish("c2", PortSpec.parseAll(List.of("127.0.0.1::80", "127.0.0.1::81")));
        ports.publish("c3", PortSpec.parse("127.0.0.1::80"));
        assertEquals(2, ports.release("c2").size());
        assertEquals(Set.of("c1", "c3"), containers(ports.list()));
        assertEquals(1, ports.reclaim(id -> id.equals("c1")).size());
        assertEquals(Set.of("c1"), containers(ports.list()));
        // publishing again replaces what the container had
        ports.publish("c1", PortSpec.parse("127.0.0.1:41777:80"));
        assertEquals(List.of(new PublishedPort("c1", "127.0.0.1", 41777, 80, "tcp")), ports.list());
    }

    @Test
    void corruptPortsFileIsReportedNeverReset() throws Exception {
        ports.publish("c1", PortSpec.parse("127.0.0.1::80"));
        Path f = tmp.resolve("networks/.ports.json");
        for (String bad : List.of("{\"Ports\":[{\"Container\":\"c1\"}]}", "{\"Ports\":{}}", "nul", "{\"Ports\":[{\"Container\":\"c1\","
            + "\"HostIp\":\"\",\"HostPort\":70000,\"ContainerPort\":80,\"Protocol\":\"tcp\"}]}")) {
            Files.writeString(f, bad);
            String m = assertThrows(NetException.CorruptState.class, () -> ports.publish("c2", PortSpec.parse("127.0.0.1::80")))
                .getMessage();
            assertTrue(m.startsWith("corrupt state file " + f + " ("), m);
            assertTrue(m.endsWith("repair it by hand, or remove it (berth then forgets which host ports its containers publish:"
                + " restart them to publish again)"), m);
            assertArrayEquals(bad.getBytes(), Files.readAllBytes(f));
        }
    }

    private static Set<String> containers(List<PublishedPort> l) {
        Set<String> out = new HashSet<>();
        for (PublishedPort p : l) {
            out.add(p.containerId());
        }
        return out;
    }
}
