package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.berth.linux.InNetns;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Real packets through the rules, on the real kernel, between network namespaces of the test's
 * own (see {@link Topology}). A request that must fail gets two seconds.
 */
class FirewallTrafficTest {
    @Test
    void containersReachOutsideThroughTheHostsAddress() throws Exception {
        try (Topology t = new Topology(); Firewall fw = Firewall.open(t.host.path)) {
            t.serveHttp(t.outside, 80);
            assertNotEquals(0, Topology.get(t.c1, "192.0.2.2", 80, 2).rc(), "no forwarding, no way out yet");
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            assertEquals(ok("192.0.2.1"), Topology.get(t.c1, "192.0.2.2", 80, 5));
        }
    }

    @Test
    void oneNetworkCannotReachAnother() throws Exception {
        try (Topology t = new Topology(); Firewall fw = Firewall.open(t.host.path)) {
            t.serveHttp(t.c1, 80);
            t.serveHttp(t.outside, 80);
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            fw.addNetwork("n2", "br-n2", "10.77.2.0/24", false);
            assertNotEquals(0, Topology.get(t.c2, "10.77.1.2", 80, 2).rc());
            assertEquals(ok("192.0.2.1"), Topology.get(t.c2, "192.0.2.2", 80, 5));
            fw.removeNetwork("n2");
            fw.removeNetwork("n1");
            // forwarding stays on: with the rules gone, the same request goes through
            assertEquals(ok("10.77.2.2"), Topology.get(t.c2, "10.77.1.2", 80, 5));
        }
    }

    @Test
    void anInternalNetworkHasNoWayInOrOut() throws Exception {
        try (Topology t = new Topology(); Firewall fw = Firewall.open(t.host.path)) {
            t.serveHttp(t.outside, 80);
            t.serveHttp(t.c1, 80);
            t.serveHttp(t.c3, 80);
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            fw.addNetwork("n3", "br-n3", "10.77.3.0/24", true);
            assertNotEquals(0, Topology.get(t.c3, "192.0.2.2", 80, 2).rc());
            assertNotEquals(0, Topology.get(t.c3, "10.77.1.2", 80, 2).rc());
            assertNotEquals(0, Topology.get(t.c1, "10.77.3.2", 80, 2).rc());
            assertEquals(ok("10.77.3.1"), Topology.get(t.host, "10.77.3.2", 80, 5), "the host still reaches it");
        }
    }

    @Test
    void aPublishedPortIsReachedFromOutsideFromTheHostAndFromContainers() throws Exception {
        try (Topology t = new Topology(); Firewall fw = Firewall.open(t.host.path)) {
            t.serveHttp(t.c1, 80);
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            fw.addNetwork("n2", "br-n2", "10.77.2.0/24", false);
            assertNotEquals(0, Topology.get(t.outside, "192.0.2.1", 8080, 2).rc());
            fw.publish("c1", "10.77.1.2", List.of(PortMapping.tcp(8080, 80)));

            // from another host: the container sees the client's own address, as with docker
            assertEquals(ok("192.0.2.2"), Topology.get(t.outside, "192.0.2.1", 8080, 5));
            // from the host: loopback (route_localnet, masqueraded to the bridge's address)
            assertEquals(ok("10.77.1.1"), Topology.get(t.host, "127.0.0.1", 8080, 5));
            assertEquals(ok("192.0.2.1"), Topology.get(t.host, "192.0.2.1", 8080, 5));
            // from the container itself through the host (hairpin) and from another network
            assertEquals(ok("10.77.1.1"), Topology.get(t.c1, "192.0.2.1", 8080, 5));
            assertEquals(ok("10.77.1.1"), Topology.get(t.c2, "192.0.2.1", 8080, 5));

            // an unpublished port stays closed to other hosts, even with a route to the container
            t.outside.sh("ip", "route", "add", "10.77.1.0/24", "via", "192.0.2.1");
            assertNotEquals(0, Topology.get(t.outside, "10.77.1.2", 80, 2).rc());

            fw.unpublish("c1");
            assertNotEquals(0, Topology.get(t.outside, "192.0.2.1", 8080, 2).rc());
            assertNotEquals(0, Topology.get(t.host, "127.0.0.1", 8080, 2).rc());
        }
    }

    @Test
    void aPortPublishedOnOneHostAddressIsOnlyThere() throws Exception {
        try (Topology t = new Topology(); Firewall fw = Firewall.open(t.host.path)) {
            t.serveHttp(t.c1, 80);
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            fw.publish("c1", "10.77.1.2", List.of(new PortMapping("127.0.0.1", 8081, 80, "tcp")));
            assertEquals(ok("10.77.1.1"), Topology.get(t.host, "127.0.0.1", 8081, 5));
            assertNotEquals(0, Topology.get(t.host, "192.0.2.1", 8081, 2).rc());
            assertNotEquals(0, Topology.get(t.outside, "192.0.2.1", 8081, 2).rc());
        }
    }

    @Test
    void aPublishedUdpPortAnswers() throws Exception {
        try (Topology t = new Topology(); Firewall fw = Firewall.open(t.host.path)) {
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            fw.publish("c1", "10.77.1.2", List.of(new PortMapping("", 5353, 53, "udp")));
            // the server's socket is made in the container's namespace and keeps it
            DatagramChannel server = InNetns.call(t.c1.path,
                () -> DatagramChannel.open().bind(new InetSocketAddress("10.77.1.2", 53)));
            Thread echo = Thread.ofPlatform().daemon().start(() -> {
                ByteBuffer buf = ByteBuffer.allocate(512);
                try {
                    InetSocketAddress from = (InetSocketAddress) server.receive(buf);
                    server.send(ByteBuffer.wrap(from.getAddress().getHostAddress().getBytes(StandardCharsets.UTF_8)), from);
                } catch (Exception e) {
                    // the test fails on the client's timeout
                }
            });
            try {
                String answer = InNetns.call(t.outside.path, () -> {
                    try (DatagramSocket client = new DatagramSocket()) {
                        client.setSoTimeout(5000);
                        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
                        client.send(new DatagramPacket(hello, hello.length, new InetSocketAddress("192.0.2.1", 5353)));
                        DatagramPacket reply = new DatagramPacket(new byte[512], 512);
                        client.receive(reply);
                        return reply.getSocketAddress() + " " + new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8);
                    }
                });
                assertEquals("/192.0.2.1:5353 192.0.2.2", answer);
            } finally {
                server.close();
                echo.join();
            }
        }
    }

    private static Netns.Result ok(String remote) {
        return new Netns.Result(0, remote + "\n");
    }
}
