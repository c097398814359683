package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworksTest {
    @TempDir
    Path tmp;

    private Networks store(String... routes) throws Exception {
        Path routeFile = tmp.resolve("route");
        StringBuilder sb = new StringBuilder("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n");
        for (String r : routes) {
            Subnet s = Subnet.parse(r);
            sb.append("eth9\t").append(String.format("%08X", Integer.reverseBytes(s.base()))).append("\t00000000\t0001\t0\t0\t0\t")
                .append(String.format("%08X", Integer.reverseBytes(s.mask()))).append("\t0\t0\t0\n");
        }
        Files.writeString(routeFile, sb);
        return new Networks(tmp.resolve("networks"), new Networks.Config(null, Networks.DEFAULT_POOL, routeFile));
    }

    @Test
    void defaultNetworkIsMadeOnFirstUseInPodmansSubnet() throws Exception {
        Networks n = store();
        assertFalse(Files.exists(tmp.resolve("networks/bridge.json")));
        Network b = n.get("bridge");
        assertEquals("bridge", b.name());
        assertEquals("berth0", b.bridge());
        assertEquals("10.88.0.0/16", b.subnet().toString());
        assertEquals("10.88.0.1", b.gatewayAddress());
        assertTrue(Networks.isId(b.id()));
        // on disk, in docker's inspect shape, and the same network the next time
        Map<String, Object> json = Json.parseObject(Files.readString(tmp.resolve("networks/bridge.json")));
        assertEquals("10.88.0.0/16", ((Map<?, ?>) ((List<?>) Json.map(json, "IPAM").get("Config")).get(0)).get("Subnet"));
        assertEquals("berth0", Json.map(json, "Options").get("com.docker.network.bridge.name"));
        assertEquals(b, store().get("bridge"));
        assertEquals(b, n.list().get(0));
    }

    @Test
    void defaultSubnetAvoidsHostRoutesAndDocker() throws Exception {
        // podman's bridge and a host network on 10.89/16's half
        Network b = store("10.88.0.0/16", "10.89.128.0/17", "10.90.0.0/15").ensureDefault();
        assertEquals("10.92.0.0/16", b.subnet().toString());
        Networks.Config only172 = new Networks.Config(null, List.of(Subnet.parse("172.17.0.0/16"),
            Subnet.parse("172.16.0.0/12"), Subnet.parse("172.18.0.0/16")), tmp.resolve("none"));
        assertEquals("172.18.0.0/16", new Networks(tmp.resolve("other"), only172).ensureDefault().subnet().toString());
    }

    /** The oracle is iproute2: the subnet picked on this machine overlaps none of the routes `ip route` lists. */
    @Test
    void defaultSubnetOnThisHostOverlapsNoRouteIpShows() throws Exception {
        Network b = new Networks(tmp.resolve("networks")).ensureDefault();
        Process p = new ProcessBuilder("ip", "-4", "route", "show", "table", "main").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        int checked = 0;
        for (String line : out.split("\n")) {
            String dest = line.split(" ")[0];
            if (dest.isEmpty() || dest.equals("default")) {
                continue;
            }
            Subnet r = dest.contains("/") ? Subnet.parse(dest) : new Subnet(Inet4.parse(dest), 32);
            assertFalse(r.overlaps(b.subnet()), b.subnet() + " overlaps route " + line);
            checked++;
        }
        assertTrue(checked > 0, "no route to compare with: " + out);
        assertFalse(b.subnet().overlaps(Subnet.parse("172.17.0.0/16")));
    }

    @Test
    void defaultSubnetIsConfigurable() throws Exception {
        Networks n = new Networks(tmp.resolve("n"), new Networks.Config("192.168.77.0/24", Networks.DEFAULT_POOL, tmp.resolve("x")));
        assertEquals("192.168.77.0/24", n.get("bridge").subnet().toString());
        assertEquals("192.168.77.1", n.get("bridge").gatewayAddress());
        Networks bad = new Networks(tmp.resolve("m"), new Networks.Config("192.168.77.0/33", Networks.DEFAULT_POOL, tmp.resolve("x")));
        assertThrows(NetException.InvalidArgument.class, bad::ensureDefault);
    }

    @Test
    void createPicksTheNextFreeSubnetAndDockersBridgeName() throws Exception {
        Networks n = store();
        Network a = n.create("front", null, null, false, Map.of("tier", "web"));
        assertEquals("10.89.0.0/16", a.subnet().toString());
        assertEquals("br-" + a.id().substring(0, 12), a.bridge());
        assertEquals(Map.of("tier", "web"), a.labels());
        Network b = n.create("back", "192.168.50.0/24", "192.168.50.254", true, Map.of());
        assertEquals("192.168.50.254", b.gatewayAddress());
        assertTrue(b.internal());
        assertNotEquals(a.id(), b.id());
        List<String> names = new ArrayList<>();
        for (Network x : n.list()) {
            names.add(x.name());
        }
        assertEquals(List.of("back", "bridge", "front"), names);
        assertEquals(b, store().get("back"));
    }

    @Test
    void createRefusesBadInputInDockersWords() throws Exception {
        Networks n = store();
        n.create("front", "10.200.0.0/16", null, false, Map.of());
        assertEquals("network with name front already exists; pick another name or remove it first (berth network rm front)",
            assertThrows(NetException.Conflict.class, () -> n.create("front", null, null, false, Map.of())).getMessage());
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> n.create("x", "10.300.0.0/16", null, false, Map.of()))
            .getMessage().startsWith("invalid CIDR address: 10.300.0.0/16"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> n.create("x", "10.201.0.0/16", "10.202.0.1", false, Map.of()))
            .getMessage().startsWith("gateway 10.202.0.1 is not in subnet 10.201.0.0/16"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> n.create("x", "10.201.0.0/16", "10.201.255.255", false, Map.of()))
            .getMessage().contains("broadcast"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> n.create("x", "10.201.0.0/16", "nope", false, Map.of()))
            .getMessage().startsWith("invalid gateway nope"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> n.create("x", null, "10.201.0.1", false, Map.of()))
            .getMessage().startsWith("--gateway needs --subnet"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> n.create("x", "10.201.0.0/31", null, false, Map.of()))
            .getMessage().contains("too small"));
        String overlap = assertThrows(NetException.Conflict.class, () -> n.create("x", "10.200.5.0/24", null, false, Map.of()))
            .getMessage();
        assertTrue(overlap.contains("overlaps with network front (10.200.0.0/16)"), overlap);
        assertTrue(assertThrows(NetException.Conflict.class, () -> n.create("x", "10.0.0.0/8", null, false, Map.of()))
            .getMessage().contains("overlaps"));
        for (String bad : List.of("", "-x", "a b", "../etc", ".hidden", "a/b")) {
            assertThrows(NetException.InvalidArgument.class, () -> n.create(bad, null, null, false, Map.of()), bad);
        }
        assertThrows(NetException.Conflict.class, () -> n.create("host", null, null, false, Map.of()));
        assertThrows(NetException.Conflict.class, () -> n.create("bridge", null, null, false, Map.of()));
        // nothing half-made by the refusals
        assertEquals(Set.of(".lock", ".boot-id", "bridge.json", "front.json"), Set.copyOf(list(tmp.resolve("networks"))));
    }

    @Test
    void getByNameIdOrUniquePrefix() throws Exception {
        Networks n = store();
        n.create("a", null, null, false, Map.of());
        n.create("b", null, null, false, Map.of());
        // ids chosen so that prefixes are shared: rewrite the files as an operator could
        setId(tmp.resolve("networks/a.json"), "abc0" + "0".repeat(60));
        setId(tmp.resolve("networks/b.json"), "abc1" + "1".repeat(60));
        assertEquals("a", n.get("abc0" + "0".repeat(60)).name());
        assertEquals("a", n.get("abc0").name());
        assertEquals("b", n.get("abc1").name());
        assertEquals("b", n.get("b").name());
        assertEquals("network abc is ambiguous (2 matches found based on id prefix); give more of the id or the name",
            assertThrows(NetException.Conflict.class, () -> n.get("abc")).getMessage());
        assertEquals("network nosuch not found; see berth network ls",
            assertThrows(NetException.NotFound.class, () -> n.get("nosuch")).getMessage());
        assertThrows(NetException.InvalidArgument.class, () -> n.get(""));
    }

    private static void setId(Path f, String id) throws Exception {
        Map<String, Object> m = Json.parseObject(Files.readString(f));
        m.put("Id", id);
        Files.writeString(f, Json.compact(m));
    }

    @Test
    void aGivenSubnetMayNotShadowARouteOfTheHost() throws Exception {
        Networks n = store("192.0.2.0/24");
        String m = assertThrows(NetException.Conflict.class,
            () -> n.create("web", "192.0.2.128/25", null, false, Map.of())).getMessage();
        assertEquals("subnet 192.0.2.128/25 overlaps the host's route to 192.0.2.0/24 on eth9: containers could"
            + " not reach that network; pick another --subnet", m);
        assertFalse(Files.exists(tmp.resolve("networks/web.json")));
        assertEquals("198.51.100.0/24", n.create("web", "198.51.100.0/24", null, false, Map.of()).subnet().toString());
    }

    @Test
    void removeIsRefusedWhileAttachedAndForTheDefault() throws Exception {
        Networks n = store();
        Network a = n.create("web", null, null, false, Map.of());
        new Ipam(n).allocate("web", "c1", null);
        assertTrue(Files.exists(tmp.resolve("networks/.ipam/web.json")));
        String m = assertThrows(NetException.Conflict.class, () -> n.remove("web", x -> List.of("web1"))).getMessage();
        assertTrue(m.startsWith("error while removing network: network web id " + a.id().substring(0, 12) + " has active endpoints (web1)"), m);
        assertTrue(Files.exists(tmp.resolve("networks/web.json")));
        assertEquals("bridge is a pre-defined network and cannot be removed",
            assertThrows(NetException.Conflict.class, () -> n.remove("bridge", x -> List.of())).getMessage());
        assertEquals(a, n.remove(a.id().substring(0, 12), x -> List.of()));
        assertFalse(Files.exists(tmp.resolve("networks/web.json")));
        assertFalse(Files.exists(tmp.resolve("networks/.ipam/web.json")));
        assertThrows(NetException.NotFound.class, () -> n.get("web"));
        // its subnet is free again
        assertEquals(a.subnet(), n.create("again", null, null, false, Map.of()).subnet());
    }

    @Test
    void pruneRemovesUnusedUserNetworks() throws Exception {
        Networks n = store();
        n.create("used", null, null, false, Map.of());
        n.create("idle1", null, null, false, Map.of());
        n.create("idle2", null, null, false, Map.of());
        List<String> removed = new ArrayList<>();
        for (Network x : n.prune(net -> net.name().equals("used") ? List.of("c") : List.of())) {
            removed.add(x.name());
        }
        removed.sort(null);
        assertEquals(List.of("idle1", "idle2"), removed);
        List<String> left = new ArrayList<>();
        for (Network x : n.list()) {
            left.add(x.name());
        }
        assertEquals(List.of("bridge", "used"), left);
    }

    @Test
    void corruptDefinitionIsReportedWithTheFileAndNeverReplaced() throws Exception {
        Networks n = store();
        n.create("a", null, null, false, Map.of());
        Path f = tmp.resolve("networks/a.json");
        byte[] torn = "{\"Name\":\"a\",\"Id\":".getBytes();
        Files.write(f, torn);
        NetException.CorruptState e = assertThrows(NetException.CorruptState.class, () -> n.get("a"));
        assertTrue(e.getMessage().startsWith("corrupt state file " + f + " ("), e.getMessage());
        assertTrue(e.getMessage().contains("repair it by hand, or remove it"), e.getMessage());
        assertThrows(NetException.CorruptState.class, n::list);
        assertThrows(NetException.CorruptState.class, () -> n.create("b", null, null, false, Map.of()));
        assertArrayEquals(torn, Files.readAllBytes(f));
        // valid JSON of the wrong shape is as corrupt
        Files.writeString(f, "{\"Name\":\"a\"}");
        assertTrue(assertThrows(NetException.CorruptState.class, () -> n.get("a")).getMessage().contains("\"Id\""));
        Files.writeString(f, Files.readString(tmp.resolve("networks/bridge.json")));
        assertTrue(assertThrows(NetException.CorruptState.class, () -> n.get("a")).getMessage().contains("holds network bridge"));
    }

    private static List<String> list(Path dir) throws Exception {
        List<String> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.forEach(p -> out.add(p.getFileName().toString()));
        }
        return out;
    }
}
