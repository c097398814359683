package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.linux.NetnsThread;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Wiring as one long-lived process (the library) uses it, run on a thread inside a network
 * namespace of the test's own ("the host"), with two more as the containers'; {@code ip} and
 * {@code nft} in those namespaces are the oracle.
 */
class WiringTest {
    /**
     * The first container of a network puts the network's firewall elements in place; later ones
     * in the same process do not read the table again (as docker sets a network's rules up once),
     * so a table deleted behind the process's back stays deleted until {@link Wiring#restore}
     * (berth network reload) puts it back. A container's published ports always go in.
     */
    @Test
    void aProcessChecksANetworksFirewallOnceAndRestoreChecksAgain() throws Exception {
        String id = "4f1d0c3b9a7e6d5c4b3a29180716f5e4d3c2b1a09f8e7d6c5b4a392817060504";
        Network n = new Network("wt" + System.nanoTime(), id.substring(0, 12) + Long.toHexString(System.nanoTime()),
            "bridge", "br-wt", Subnet.parse("10.78.0.0/24"), Inet4.parse("10.78.0.1"), false, Map.of(), "");
        try (Netns host = new Netns(); Netns c1 = new Netns(); Netns c2 = new Netns(); Netns c3 = new Netns();
             NetnsThread inHost = NetnsThread.start(host.path, "wiring test")) {
            inHost.call(() -> {
                Wiring.connect(n, allocation("c1aaaaaaaaaa", "10.78.0.2"), List.of(), c1.path);
                return null;
            });
            assertTrue(host.sh("nft", "list", "set", "ip", "berth", "bridges").contains("\"br-wt\""));
            assertTrue(c1.sh("ip", "-4", "addr", "show", "eth0").contains("10.78.0.2/24"));

            host.sh("nft", "delete", "table", "ip", "berth");
            inHost.call(() -> {
                Wiring.connect(n, allocation("c2aaaaaaaaaa", "10.78.0.3"), List.of(), c2.path);
                return null;
            });
            assertTrue(c2.sh("ip", "-4", "addr", "show", "eth0").contains("10.78.0.3/24"), "the container is wired");
            assertEquals("", host.sh("nft", "list", "tables"), "the network's firewall was not read again");

            inHost.call(() -> {
                Wiring.connect(n, allocation("c3aaaaaaaaaa", "10.78.0.4"),
                    List.of(new PublishedPort("c3aaaaaaaaaa", "", 8080, 80, "tcp")), c3.path);
                return null;
            });
            assertTrue(host.sh("nft", "list", "map", "ip", "berth", "ports").contains("10.78.0.4 . 80"),
                "published ports always go in");
            assertFalse(host.sh("nft", "list", "set", "ip", "berth", "bridges").contains("br-wt"));

            assertTrue(inHost.call(() -> Wiring.restore(n, "c1aaaaaaaaaa", "10.78.0.2", List.of(), c1.path)));
            assertTrue(host.sh("nft", "list", "set", "ip", "berth", "bridges").contains("\"br-wt\""), "restore reads again");
        }
    }

    private static Allocation allocation(String container, String address) {
        return new Allocation("wt", container, address, 24, "10.78.0.1", "02:42:0a:4e:00:0" + address.charAt(address.length() - 1));
    }
}
