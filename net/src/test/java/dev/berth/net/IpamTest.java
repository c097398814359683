package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IpamTest {
    @TempDir
    Path tmp;
    Networks networks;
    Ipam ipam;

    @BeforeEach
    void setUp() {
        networks = new Networks(tmp.resolve("networks"), new Networks.Config(null, Networks.DEFAULT_POOL, tmp.resolve("no-routes")));
        ipam = new Ipam(networks);
    }

    @Test
    void handsOutAddressesInTurnWithDockersMac() throws Exception {
        Allocation a = ipam.allocate("bridge", "c1", null);
        assertEquals(new Allocation("bridge", "c1", "10.88.0.2", 16, "10.88.0.1", "02:42:0a:58:00:02"), a);
        assertEquals("10.88.0.2/16", a.cidr());
        assertEquals("10.88.0.3", ipam.allocate("bridge", "c2", null).address());
        // asking again is no new address
        assertEquals(a, ipam.allocate("bridge", "c1", null));
        assertEquals(a, ipam.find("bridge", "c1"));
        assertNull(ipam.find("bridge", "nosuch"));
        // kept on disk: a new Ipam (another process) sees them
        assertEquals(List.of("10.88.0.2", "10.88.0.3"), addresses(new Ipam(networks).list("bridge")));
    }

    @Test
    void aFreedAddressIsNotGivenAgainAtOnce() throws Exception {
        ipam.allocate("bridge", "c1", null);
        ipam.allocate("bridge", "c2", null);
        assertTrue(ipam.release("bridge", "c1"));
        assertFalse(ipam.release("bridge", "c1"));
        assertEquals("10.88.0.4", ipam.allocate("bridge", "c3", null).address());
    }

    @Test
    void neverTheGatewayNetworkOrBroadcastAndWrapsAround() throws Exception {
        networks.create("tiny", "192.168.9.0/29", "192.168.9.3", false, Map.of());
        Set<String> got = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            got.add(ipam.allocate("tiny", "c" + i, null).address());
        }
        assertEquals(Set.of("192.168.9.1", "192.168.9.2", "192.168.9.4", "192.168.9.5", "192.168.9.6"), got);
        String m = assertThrows(NetException.SystemFailure.class, () -> ipam.allocate("tiny", "c5", null)).getMessage();
        assertTrue(m.startsWith("no available IPv4 addresses on network tiny (192.168.9.0/29, 5 in use)"), m);
        // after the end of the range, it starts over from the beginning
        ipam.release("tiny", "c1");
        assertEquals("192.168.9.2", ipam.allocate("tiny", "c6", null).address());
    }

    @Test
    void addressesOfContainersThatAreGoneAreTakenBackWhenWanted() throws Exception {
        networks.create("tiny", "192.168.9.0/30", null, false, Map.of());
        Set<String> gone = new HashSet<>(Set.of("crashed"));
        Ipam reclaiming = new Ipam(networks, id -> !gone.contains(id));
        assertEquals("192.168.9.2", ipam.allocate("tiny", "crashed", null).address());
        // full: without a way to know, nothing is taken back
        assertThrows(NetException.SystemFailure.class, () -> ipam.allocate("tiny", "c1", null));
        assertEquals("192.168.9.2", reclaiming.allocate("tiny", "c1", null).address());
        // a live holder keeps its address, asked for by name or not
        assertThrows(NetException.Conflict.class, () -> reclaiming.allocate("tiny", "c2", "192.168.9.2"));
        assertThrows(NetException.SystemFailure.class, () -> reclaiming.allocate("tiny", "c2", null));
        assertEquals(List.of("c1"), ipam.list("tiny").stream().map(Allocation::containerId).toList());
    }

    @Test
    void requestedAddresses() throws Exception {
        networks.create("user", "10.50.0.0/24", null, false, Map.of());
        assertEquals("10.50.0.77", ipam.allocate("user", "c1", "10.50.0.77").address());
        assertEquals("10.50.0.77", ipam.allocate("user", "c1", "10.50.0.77").address());
        String taken = assertThrows(NetException.Conflict.class, () -> ipam.allocate("user", "c2", "10.50.0.77")).getMessage();
        assertEquals("address already in use: 10.50.0.77 is held by container c1 on network user; pick another --ip or leave it out",
            taken);
        assertTrue(assertThrows(NetException.Conflict.class, () -> ipam.allocate("user", "c1", "10.50.0.78")).getMessage()
            .contains("already has address 10.50.0.77"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> ipam.allocate("user", "c2", "10.50.0.1")).getMessage()
            .contains("is the gateway"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> ipam.allocate("user", "c2", "10.50.0.0")).getMessage()
            .contains("network address"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> ipam.allocate("user", "c2", "10.50.0.255")).getMessage()
            .contains("broadcast"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> ipam.allocate("user", "c2", "10.51.0.5")).getMessage()
            .startsWith("no configured subnet contains the IP address 10.51.0.5"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> ipam.allocate("user", "c2", "10.50.0.x")).getMessage()
            .startsWith("invalid IPv4 address"));
        // the next automatic one goes on after the requested one and never hands it out twice
        assertEquals("10.50.0.78", ipam.allocate("user", "c2", null).address());
        assertThrows(NetException.NotFound.class, () -> ipam.allocate("nosuch", "c1", null));
    }

    @Test
    void releaseAllAndReclaim() throws Exception {
        networks.create("user", null, null, false, Map.of());
        ipam.allocate("bridge", "alive", null);
        ipam.allocate("bridge", "dead1", null);
        ipam.allocate("user", "dead1", null);
        ipam.allocate("user", "dead2", null);
        ipam.allocate("user", "gone", null);
        ipam.allocate("bridge", "gone", null);
        assertEquals(List.of("bridge", "user"), networksOf(ipam.releaseAll("gone")));
        List<Allocation> freed = ipam.reclaim(id -> id.equals("alive"));
        assertEquals(3, freed.size(), freed.toString());
        assertEquals(List.of("alive"), containers(ipam.list("bridge")));
        assertEquals(List.of(), containers(ipam.list("user")));
        assertEquals(List.of(), ipam.reclaim(id -> id.equals("alive")));
    }

    @Test
    void addressFileOfARemovedNetworkIsNotInherited() throws Exception {
        networks.create("n", "10.60.0.0/24", null, false, Map.of());
        ipam.allocate("n", "c1", null);
        Path f = tmp.resolve("networks/.ipam/n.json");
        byte[] old = Files.readAllBytes(f);
        networks.remove("n", x -> List.of());
        // as if a crash had kept the file, then the name was used again
        Files.write(f, old);
        networks.create("n", "10.61.0.0/24", null, false, Map.of());
        assertEquals(List.of(), ipam.list("n"));
        assertEquals("10.61.0.2", ipam.allocate("n", "c2", null).address());
    }

    @Test
    void corruptStateIsReportedWithTheFileAndTheFixNeverReset() throws Exception {
        ipam.allocate("bridge", "c1", null);
        Path f = tmp.resolve("networks/.ipam/bridge.json");
        List<String> bad = List.of("", "{", "[]", "{\"NetworkId\":\"" + networks.get("bridge").id() + "\"}",
            good(f).replace("10.88.0.2", "10.99.0.2"), good(f).replace("10.88.0.2", "nope"),
            good(f).replace("\"c1\":\"10.88.0.2\"", "\"c1\":\"10.88.0.2\",\"c2\":\"10.88.0.2\""),
            good(f).replace("10.88.0.0/16", "10.88.0.0/24"));
        String original = good(f);
        for (String content : bad) {
            Files.writeString(f, content);
            NetException.CorruptState e = assertThrows(NetException.CorruptState.class, () -> ipam.allocate("bridge", "c9", null),
                content);
            assertTrue(e.getMessage().startsWith("corrupt state file " + f + " ("), e.getMessage());
            assertTrue(e.getMessage().endsWith("repair it by hand, or remove it and restart the containers on network bridge"
                + " (until then berth may hand their addresses out again)"), e.getMessage());
            assertThrows(NetException.CorruptState.class, () -> ipam.reclaim(id -> false));
            assertArrayEquals(content.getBytes(), Files.readAllBytes(f), "the file was changed");
        }
        Files.writeString(f, original);
        assertEquals("10.88.0.3", ipam.allocate("bridge", "c9", null).address());
    }

    private static String good(Path f) throws Exception {
        String s = Files.readString(f);
        Json.parseObject(s);
        return s;
    }

    private static List<String> addresses(List<Allocation> l) {
        List<String> out = new ArrayList<>();
        for (Allocation a : l) {
            out.add(a.address());
        }
        return out;
    }

    private static List<String> containers(List<Allocation> l) {
        List<String> out = new ArrayList<>();
        for (Allocation a : l) {
            out.add(a.containerId());
        }
        return out;
    }

    private static List<String> networksOf(List<Allocation> l) {
        List<String> out = new ArrayList<>();
        for (Allocation a : l) {
            out.add(a.network());
        }
        out.sort(null);
        return out;
    }

    @Test
    void aDualStackNetworkHandsOutIpv6AddressesTooAndTakesThemBack() throws Exception {
        Network n = networks.create("six", List.of("fd00:b1:9::/64"), List.of(), true, false, Map.of());
        assertEquals("fd00:b1:9::1", n.gateway6().toString());
        assertTrue(n.subnet().toString().endsWith("/16"), "an IPv4 subnet from the pool: " + n.subnet());
        Ipam ipam = new Ipam(networks, id -> !id.equals("dead"));
        Allocation a = ipam.allocate("six", "c1", null, null);
        assertEquals("fd00:b1:9::2 64 fd00:b1:9::1 fd00:b1:9::2/64", a.address6() + " " + a.prefixLength6() + " "
            + a.gateway6() + " " + a.cidr6());
        assertEquals(a, ipam.allocate("six", "c1", null, null), "idempotent");
        assertEquals("fd00:b1:9::77", ipam.allocate("six", "c2", null, "fd00:b1:9::77").address6());
        assertEquals("fd00:b1:9::78", ipam.allocate("six", "c3", null, null).address6(), "in turn after the last");
        assertTrue(assertThrows(NetException.Conflict.class, () -> ipam.allocate("six", "c4", null, "fd00:b1:9::77"))
            .getMessage().startsWith("address already in use: fd00:b1:9::77 is held by container c2"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> ipam.allocate("six", "c4", null, "fd00:b1:9::1"))
            .getMessage().contains("the gateway"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> ipam.allocate("six", "c4", null, "fd00:b2::1"))
            .getMessage().startsWith("no configured subnet contains the IP address fd00:b2::1"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> ipam.allocate("bridge", "c4", null, "fd00:b1:9::5"))
            .getMessage().contains("has no IPv6"));
        // a crashed container's address is taken back when it is asked for; rm frees both families
        ipam.allocate("six", "dead", null, "fd00:b1:9::99");
        assertEquals("fd00:b1:9::99", ipam.allocate("six", "c5", null, "fd00:b1:9::99").address6());
        assertTrue(ipam.release("six", "c2"));
        assertEquals("fd00:b1:9::77", ipam.allocate("six", "c6", null, "fd00:b1:9::77").address6());
        assertEquals(4, ipam.list("six").size());
        // the definition round-trips, and a second network never gets an overlapping subnet
        assertEquals(n, networks.get("six"));
        assertTrue(assertThrows(NetException.Conflict.class,
            () -> networks.create("x", List.of("fd00:b1::/32"), List.of(), true, false, Map.of()))
            .getMessage().contains("overlaps with network six"));
        assertTrue(assertThrows(NetException.InvalidArgument.class,
            () -> networks.create("x", List.of("fd00:b3::/64"), List.of(), false, false, Map.of()))
            .getMessage().contains("add --ipv6"));
        Network picked = networks.create("auto", List.of(), List.of(), true, false, Map.of());
        assertEquals(64, picked.subnet6().prefix());
        assertTrue(picked.subnet6().base().toString().startsWith("fd"), picked.subnet6().toString());
        assertEquals(Networks.ulaPrefix(), new Subnet6(Subnet6.masked(picked.subnet6().base(), 48), 48));
    }
}
