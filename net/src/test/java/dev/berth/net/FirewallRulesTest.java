package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The table berth writes, read back with {@code nft -j list table ip berth} in a network
 * namespace of the test's own: the nft command is the oracle, not berth's reading of it.
 */
class FirewallRulesTest {
    private static final String CHAINS = withLayout("""
        	chain forward {
        		type filter hook forward priority filter; policy accept;
        		iifname . oifname @intra accept
        		iifname @internal drop
        		oifname @internal drop
        		oifname @bridges ct status dnat accept
        		oifname @bridges ct state established,related accept
        		iifname @bridges oifname @bridges drop
        		oifname @bridges drop
        		iifname @bridges accept
        	}

        	chain prerouting {
        		type nat hook prerouting priority dstnat; policy accept;
        		fib daddr type local jump published
        	}

        	chain output {
        		type nat hook output priority -100; policy accept;
        		fib daddr type local jump published
        	}

        	chain published {
        		dnat ip to ip daddr . meta l4proto . th dport map @host_ip_ports
        		dnat ip to meta l4proto . th dport map @ports
        	}

        	chain postrouting {
        		type nat hook postrouting priority srcnat; policy accept;
        		ct status dnat ip saddr . oifname @subnets masquerade
        		ip saddr . oifname @subnets return
        		ip saddr @outbound masquerade
        		ip saddr 127.0.0.0/8 oifname @bridges masquerade
        	}
        }
        """);

    private static final List<String> N1 = List.of(
        "bridges: br-n1 # network n1",
        "intra: br-n1 . br-n1 # network n1",
        "subnets: 10.77.1.0/24 . br-n1 # network n1",
        "outbound: 10.77.1.0/24 # network n1");

    @Test
    void aNetworkAndItsPortsAreElementsOfOneFixedLayout() throws Exception {
        try (Netns ns = new Netns(); Firewall fw = Firewall.open(ns.path)) {
            String hostForwarding = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_forward"));
            bridges(ns, "br-n1");
            assertEquals("0\n", ns.sh("cat", "/proc/sys/net/ipv4/conf/br-n1/route_localnet"));
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            fw.publish("c1", "10.77.1.2", List.of(PortMapping.tcp(8080, 80), new PortMapping("127.0.0.1", 5353, 53, "udp")));

            assertEquals(sorted(N1, "ports: tcp . 8080 : 10.77.1.2 . 80 # container c1",
                "host_ip_ports: 127.0.0.1 . udp . 5353 : 10.77.1.2 . 53 # container c1"), elements(ns));
            String table = ns.sh("nft", "list", "table", "ip", "berth");
            assertEquals(CHAINS, table.substring(table.indexOf("\tchain forward {")));
            assertEquals("1\n", ns.sh("cat", "/proc/sys/net/ipv4/conf/br-n1/route_localnet"));
            assertEquals("1\n", ns.sh("cat", "/proc/sys/net/ipv4/ip_forward"));
            assertEquals(hostForwarding, java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_forward")));
        }
    }

    @Test
    void applyingTwiceLeavesTheSameTable() throws Exception {
        try (Netns ns = new Netns(); Firewall fw = Firewall.open(ns.path)) {
            bridges(ns, "br-n1");
            for (int i = 0; i < 2; i++) {
                fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
                fw.publish("c1", "10.77.1.2", List.of(PortMapping.tcp(8080, 80)));
            }
            String once = ns.sh("nft", "list", "table", "ip", "berth");
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            fw.publish("c1", "10.77.1.2", List.of(PortMapping.tcp(8080, 80)));
            assertEquals(once, ns.sh("nft", "list", "table", "ip", "berth"));
            assertEquals(16, count(ns, "rule"));
            assertEquals(sorted(N1, "ports: tcp . 8080 : 10.77.1.2 . 80 # container c1"), elements(ns));
        }
    }

    @Test
    void aChangedNetworkOrPortListReplacesTheOldOne() throws Exception {
        try (Netns ns = new Netns(); Firewall fw = Firewall.open(ns.path)) {
            bridges(ns, "br-n1");
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            fw.publish("c1", "10.77.1.2", List.of(PortMapping.tcp(8080, 80)));
            fw.addNetwork("n1", "br-n1", "10.77.9.0/24", true);
            fw.publish("c1", "10.77.9.2", List.of(PortMapping.tcp(9090, 90)));
            assertEquals(sorted(List.of(
                "bridges: br-n1 # network n1",
                "intra: br-n1 . br-n1 # network n1",
                "subnets: 10.77.9.0/24 . br-n1 # network n1",
                "internal: br-n1 # network n1",
                "ports: tcp . 9090 : 10.77.9.2 . 90 # container c1")), elements(ns));
            fw.publish("c1", "10.77.9.2", List.of());
            assertFalse(String.join("\n", elements(ns)).contains("container c1"));
        }
    }

    @Test
    void removingOneContainerOrNetworkLeavesTheOthers() throws Exception {
        try (Netns ns = new Netns(); Firewall fw = Firewall.open(ns.path)) {
            bridges(ns, "br-n1", "br-n2");
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            fw.addNetwork("n2", "br-n2", "10.77.2.0/24", true);
            fw.publish("c1", "10.77.1.2", List.of(PortMapping.tcp(8080, 80), new PortMapping("", 8080, 80, "udp")));
            fw.publish("c2", "10.77.1.3", List.of(new PortMapping("127.0.0.1", 8081, 80, "tcp")));
            fw.publish("c3", "10.77.2.2", List.of(PortMapping.tcp(8082, 80)));
            List<String> c2c3 = List.of(
                "host_ip_ports: 127.0.0.1 . tcp . 8081 : 10.77.1.3 . 80 # container c2",
                "ports: tcp . 8082 : 10.77.2.2 . 80 # container c3");

            fw.unpublish("c1");
            List<String> n2 = List.of("bridges: br-n2 # network n2", "intra: br-n2 . br-n2 # network n2",
                "subnets: 10.77.2.0/24 . br-n2 # network n2", "internal: br-n2 # network n2");
            List<String> all = new ArrayList<>(N1);
            all.addAll(n2);
            all.addAll(c2c3);
            assertEquals(sorted(all), elements(ns));

            fw.removeNetwork("n2");
            fw.removeNetwork("n2");
            fw.unpublish("c1");
            fw.unpublish("no-such-container");
            List<String> left = new ArrayList<>(N1);
            left.addAll(c2c3);
            assertEquals(sorted(left), elements(ns));
            assertEquals(List.of("n1"), fw.networks());
        }
    }

    @Test
    void portsOfACrashedContainerAreFoundAgainAndRemoved() throws Exception {
        try (Netns ns = new Netns()) {
            bridges(ns, "br-n1");
            String id = "4f1d0c3b9a7e6d5c4b3a29180716f5e4d3c2b1a09f8e7d6c5b4a392817060504";
            try (Firewall before = Firewall.open(ns.path)) {
                before.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
                before.publish(id, "10.77.1.2", List.of(new PortMapping("0.0.0.0", 443, 8443, "TCP"),
                    new PortMapping("", 53, 53, "udp"), PortMapping.tcp(80, 8080)));
            }
            assertTrue(elements(ns).contains("ports: tcp . 443 : 10.77.1.2 . 8443 # container " + id));
            try (Firewall after = Firewall.open(ns.path)) {
                // by container port, as berth port lists them
                assertEquals(Map.of(id, List.of(new PortMapping("", 53, 53, "udp"), PortMapping.tcp(80, 8080),
                    PortMapping.tcp(443, 8443))), after.published());
                assertEquals(List.of(), after.published("other"));
                after.unpublish(id);
                assertEquals(sorted(N1), elements(ns));
                assertEquals(Map.of(), after.published());
            }
        }
    }

    @Test
    void badInputIsRefusedBeforeAnythingChanges() throws Exception {
        assertEquals("host port 0 is out of range: use 1-65535 (pick a free port before publishing)",
            assertThrows(IllegalArgumentException.class, () -> PortMapping.tcp(0, 80)).getMessage());
        assertEquals("container port 70000 is out of range: use 1-65535",
            assertThrows(IllegalArgumentException.class, () -> PortMapping.tcp(80, 70000)).getMessage());
        assertEquals("protocol sctp cannot be published: use tcp or udp",
            assertThrows(IllegalArgumentException.class, () -> new PortMapping("", 80, 80, "sctp")).getMessage());
        assertEquals("[::1]:80->80/tcp", new PortMapping("0:0::1", 80, 80, "tcp").toString());
        assertEquals("host address 10.0.0.256 is not an IP address: publish on an address of the host, or on all of them",
            assertThrows(IllegalArgumentException.class, () -> new PortMapping("10.0.0.256", 80, 80, "tcp")).getMessage());

        try (Netns ns = new Netns(); Firewall fw = Firewall.open(ns.path)) {
            bridges(ns, "br-n1");
            assertTrue(assertThrows(NetException.InvalidArgument.class,
                () -> fw.addNetwork("n1", "br-n1", "10.77.1.1/24", false)).getMessage().contains("10.77.1.0/24"));
            assertEquals("bridge br-none does not exist in " + ns.path + ": create it before adding its network's firewall rules",
                assertThrows(NetException.NotFound.class, () -> fw.addNetwork("n1", "br-none", "10.77.1.0/24", false)).getMessage());
            assertEquals("network name n1\"; flush ruleset is not valid: use 1-100 of a-z A-Z 0-9 _ . -, starting with a letter or digit",
                assertThrows(NetException.InvalidArgument.class,
                    () -> fw.addNetwork("n1\"; flush ruleset", "br-n1", "10.77.1.0/24", false)).getMessage());
            assertEquals("container address 10.77.1 is not an IPv4 address", assertThrows(NetException.InvalidArgument.class,
                () -> fw.publish("c1", "10.77.1", List.of(PortMapping.tcp(80, 80)))).getMessage());
            assertEquals("host port 0.0.0.0:80/tcp is published twice (127.0.0.1:80->80/tcp and 0.0.0.0:80->81/tcp): "
                + "publish each host port once", assertThrows(NetException.InvalidArgument.class, () -> fw.publish("c1", "10.77.1.2",
                    List.of(new PortMapping("127.0.0.1", 80, 80, "tcp"), PortMapping.tcp(80, 81)))).getMessage());
            assertTrue(assertThrows(NetException.InvalidArgument.class, () -> fw.publish("c1", "10.77.1.2",
                List.of(new PortMapping("::1", 80, 80, "tcp")))).getMessage().startsWith("host address ::1 is not an IPv4 address"));
            assertEquals("container address 10.77.1.2 is not an IPv6 address", assertThrows(NetException.InvalidArgument.class,
                () -> fw.ipv6().publish("c1", "10.77.1.2", List.of(PortMapping.tcp(80, 80)))).getMessage());
            assertEquals("", ns.sh("nft", "list", "tables"), "nothing was made");
        }
    }

    @Test
    void aHostPortOrSubnetThatIsTakenIsRefused() throws Exception {
        try (Netns ns = new Netns(); Firewall fw = Firewall.open(ns.path)) {
            bridges(ns, "br-n1", "br-n2");
            fw.addNetwork("n1", "br-n1", "10.77.0.0/16", false);
            fw.publish("c1", "10.77.1.2", List.of(PortMapping.tcp(8080, 80)));
            assertEquals("host port 127.0.0.1:8080/tcp is already published by container c1 (0.0.0.0:8080->80/tcp): "
                + "choose another host port", assertThrows(NetException.Conflict.class, () -> fw.publish("c2", "10.77.1.3",
                    List.of(new PortMapping("127.0.0.1", 8080, 80, "tcp")))).getMessage());
            fw.publish("c2", "10.77.1.3", List.of(new PortMapping("", 8080, 80, "udp")));
            assertEquals("subnet 10.77.3.0/24 overlaps 10.77.0.0/16 of network n1: choose another subnet",
                assertThrows(NetException.Conflict.class, () -> fw.addNetwork("n2", "br-n2", "10.77.3.0/24", false)).getMessage());
            assertEquals("bridge br-n1 already belongs to network n1: remove that network first or use another bridge",
                assertThrows(NetException.Conflict.class, () -> fw.addNetwork("n2", "br-n1", "10.78.0.0/16", false)).getMessage());
            assertEquals(sorted(List.of("bridges: br-n1 # network n1", "intra: br-n1 . br-n1 # network n1",
                "subnets: 10.77.0.0/16 . br-n1 # network n1", "outbound: 10.77.0.0/16 # network n1",
                "ports: tcp . 8080 : 10.77.1.2 . 80 # container c1", "ports: udp . 8080 : 10.77.1.3 . 80 # container c2")),
                elements(ns));
        }
    }

    /** Two berth processes (two contexts) change the table at once; each change is computed from what it read. */
    @Test
    void concurrentChangesAllLand() throws Exception {
        try (Netns ns = new Netns(); Firewall a = Firewall.open(ns.path); Firewall b = Firewall.open(ns.path)) {
            bridges(ns, "br-n1");
            a.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < 8; i++) {
                Firewall fw = i % 2 == 0 ? a : b;
                int n = i;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        fw.publish("c" + n, "10.77.1." + (10 + n), List.of(PortMapping.tcp(9000 + n, 80)));
                        fw.publish("gone", "10.77.1.99", List.of(PortMapping.tcp(7000 + n, 80)));
                        fw.unpublish("gone");
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(List.of(), failures);
            assertEquals(8, a.published().size());
            assertEquals(List.of(PortMapping.tcp(9005, 80)), b.published("c5"));
        }
    }

    @Test
    void otherTablesAreNeverTouched() throws Exception {
        try (Netns ns = new Netns(); Firewall fw = Firewall.open(ns.path)) {
            bridges(ns, "br-n1");
            ns.sh("nft", "add table ip other; add chain ip other input { type filter hook input priority 0; }; "
                + "add rule ip other input tcp dport 22 accept; add table inet berth");
            String other = ns.sh("nft", "list", "table", "ip", "other");
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            fw.publish("c1", "10.77.1.2", List.of(PortMapping.tcp(8080, 80)));
            fw.unpublish("c1");
            fw.removeNetwork("n1");
            assertEquals(other, ns.sh("nft", "list", "table", "ip", "other"));
            assertEquals("table ip other\ntable inet berth\ntable ip berth\n", ns.sh("nft", "list", "tables"));
        }
    }

    /**
     * Once the table is laid out, a change only adds and deletes elements (the rules keep their
     * handles); a rule missing or changed by hand, or a rule of another layout, makes the next
     * change lay the chains out again.
     */
    @Test
    void aLaidOutTableOnlyGetsElementsAndADamagedOneIsRepaired() throws Exception {
        try (Netns ns = new Netns(); Firewall fw = Firewall.open(ns.path)) {
            bridges(ns, "br-n1", "br-n2");
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            String rules = ns.sh("nft", "-a", "list", "chain", "ip", "berth", "forward");
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            fw.addNetwork("n2", "br-n2", "10.77.2.0/24", false);
            fw.publish("c1", "10.77.1.2", List.of(PortMapping.tcp(8080, 80)));
            fw.unpublish("c1");
            fw.removeNetwork("n2");
            assertEquals(rules, ns.sh("nft", "-a", "list", "chain", "ip", "berth", "forward"), "no rule was replaced");

            String handle = rules.lines().filter(l -> l.contains("@internal drop")).findFirst().orElseThrow()
                .replaceAll(".*# handle ", "");
            ns.sh("nft", "delete", "rule", "ip", "berth", "forward", "handle", handle);
            fw.publish("c1", "10.77.1.2", List.of(PortMapping.tcp(8080, 80)));
            String table = ns.sh("nft", "list", "table", "ip", "berth");
            assertEquals(CHAINS, table.substring(table.indexOf("\tchain forward {")));

            ns.sh("nft", "flush chain ip berth postrouting; add rule ip berth postrouting masquerade");
            fw.unpublish("c1");
            assertTrue(ns.sh("nft", "list", "chain", "ip", "berth", "postrouting").contains("\t\tmasquerade\n"),
                "a removal alone changes no rule");
            fw.addNetwork("n1", "br-n1", "10.77.1.0/24", false);
            table = ns.sh("nft", "list", "table", "ip", "berth");
            assertEquals(CHAINS, table.substring(table.indexOf("\tchain forward {")));
            assertEquals(sorted(N1), elements(ns));
        }
    }

    /** The rule lines of nft's listing, each with berth's layout comment. */
    private static String withLayout(String chains) {
        StringBuilder out = new StringBuilder();
        for (String line : chains.split("\n", -1)) {
            boolean rule = line.startsWith("\t\t") && !line.startsWith("\t\ttype ");
            out.append(line).append(rule ? " comment \"" + FirewallTable.LAYOUT + "\"" : "").append('\n');
        }
        return out.substring(0, out.length() - 1);
    }

    private static void bridges(Netns ns, String... names) throws Exception {
        for (String name : names) {
            ns.sh("ip", "link", "add", name, "type", "bridge");
        }
    }

    private static List<String> sorted(List<String> lines, String... more) {
        List<String> out = new ArrayList<>(lines);
        out.addAll(List.of(more));
        out.sort(null);
        return out;
    }

    /** Every element of table ip berth as {@code SET: KEY [: DATA] # COMMENT}, sorted. */
    private static List<String> elements(Netns ns) throws Exception {
        List<String> out = new ArrayList<>();
        for (Object item : (List<?>) Json.parseObject(ns.sh("nft", "-j", "list", "table", "ip", "berth")).get("nftables")) {
            Map<?, ?> m = (Map<?, ?>) item;
            Map<?, ?> set = (Map<?, ?>) (m.containsKey("set") ? m.get("set") : m.get("map"));
            if (set == null || set.get("elem") == null) {
                continue;
            }
            for (Object e : (List<?>) set.get("elem")) {
                String line = set.get("name") + ": ";
                if (e instanceof List<?> pair) {
                    line += render(pair.get(0)).replace(" #", " : " + render(pair.get(1)) + " #");
                } else {
                    line += render(e);
                }
                out.add(line);
            }
        }
        out.sort(null);
        return out;
    }

    private static String render(Object v) {
        if (v instanceof Map<?, ?> m) {
            if (m.get("elem") instanceof Map<?, ?> e) {
                return render(e.get("val")) + " # " + e.get("comment");
            }
            if (m.get("concat") instanceof List<?> parts) {
                List<String> s = new ArrayList<>();
                for (Object p : parts) {
                    s.add(render(p));
                }
                return String.join(" . ", s);
            }
            if (m.get("prefix") instanceof Map<?, ?> p) {
                return p.get("addr") + "/" + p.get("len");
            }
        }
        return String.valueOf(v);
    }

    private static int count(Netns ns, String kind) throws Exception {
        int n = 0;
        for (Object item : (List<?>) Json.parseObject(ns.sh("nft", "-j", "list", "table", "ip", "berth")).get("nftables")) {
            if (((Map<?, ?>) item).containsKey(kind)) {
                n++;
            }
        }
        return n;
    }
}
