package dev.berth.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * docker0's shape, made by Rtnl in two namespaces of the test's own: a bridge and one end of a
 * veth pair in "host", the other end created in "box", renamed eth0, addressed, with a default
 * route through the bridge. Checked by ip from outside and by pinging across.
 */
class RtnlBridgeTest extends TwoNamespaces {
    @Test
    void aContainerReachesItsBridgeThroughAVethPair() throws Exception {
        InetAddress gateway = InetAddress.getByName("10.88.0.1");
        try (Rtnl h = Rtnl.open(host.path()); Rtnl c = Rtnl.open(box.path())) {
            h.links().addBridge("berth0", 1400);
            h.links().addVeth("vb0", "vc0", box.path(), 1400);
            h.links().setMaster("vb0", "berth0");
            h.links().setUp("vb0");
            h.links().setUp("berth0");
            h.addresses().add("berth0", gateway, 16);

            c.links().rename("vc0", "eth0");
            c.addresses().add("eth0", InetAddress.getByName("10.88.0.2"), 16);
            c.links().setUp("eth0");
            c.routes().addDefault(gateway);

            assertTrue(host.ip("-j", "link", "show", "vb0").contains("\"master\":\"berth0\""),
                host.ip("-j", "link", "show", "vb0"));
            host.ipFails("link", "show", "vc0");
            String boxAddr = box.ip("-j", "addr", "show", "eth0");
            assertTrue(boxAddr.contains("\"local\":\"10.88.0.2\",\"prefixlen\":16,\"broadcast\":\"10.88.255.255\""),
                boxAddr);
            assertTrue(box.ip("-j", "route").contains("{\"dst\":\"default\",\"gateway\":\"10.88.0.1\",\"dev\":\"eth0\""),
                box.ip("-j", "route"));

            assertTrue(box.ping("10.88.0.1"), "box cannot ping its gateway 10.88.0.1");
            assertTrue(host.ping("10.88.0.2"), "host cannot ping the box at 10.88.0.2");

            // what Rtnl lists agrees with ip
            Link eth0 = c.links().get("eth0");
            assertEquals("veth", eth0.kind());
            assertTrue(eth0.up());
            assertEquals("UP", eth0.operstate());
            assertEquals(1400, eth0.mtu());
            assertTrue(boxAddr.contains("\"address\":\"" + eth0.mac() + "\""), eth0.mac() + " not in " + boxAddr);
            Link bridge = h.links().get("berth0");
            assertEquals("bridge", bridge.kind());
            assertEquals(1400, bridge.mtu());
            assertEquals(bridge.index(), h.links().get("vb0").master());
            assertTrue(c.addresses().list().contains(
                new Address(eth0.index(), InetAddress.getByName("10.88.0.2"), 16, InetAddress.getByName("10.88.255.255"), 0)));
            boolean found = false;
            for (Route r : c.routes().list()) {
                found |= r.isDefault() && gateway.equals(r.gateway()) && r.oif() == eth0.index();
            }
            assertTrue(found, "no default route via 10.88.0.1 dev eth0 in " + c.routes().list());
        }
    }
}
