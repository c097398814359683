package dev.berth.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.linux.Errno;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IPv4 and IPv6 addresses and main-table routes, added, listed and deleted on a veth pair. */
class RtnlAddressesTest {
    private Netns ns;
    private Rtnl rtnl;

    @BeforeEach
    void namespace() throws Exception {
        ns = new Netns();
        rtnl = Rtnl.open(ns.path());
        rtnl.links().addVeth("va", "vz", null);
        rtnl.links().setUp("va");
        rtnl.links().setUp("vz");
    }

    @AfterEach
    void removeIt() throws Exception {
        if (rtnl != null) {
            rtnl.close();
        }
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void addressesOfBothFamilies() throws Exception {
        InetAddress v4 = InetAddress.getByName("172.30.4.5");
        InetAddress v6 = InetAddress.getByName("fd00:be::5");
        rtnl.addresses().add("va", v4, 22);
        rtnl.addresses().add("va", v6, 64);

        String shown = ns.ip("-j", "addr", "show", "va");
        assertTrue(shown.contains("\"local\":\"172.30.4.5\",\"prefixlen\":22,\"broadcast\":\"172.30.7.255\""), shown);
        assertTrue(shown.contains("\"local\":\"fd00:be::5\",\"prefixlen\":64"), shown);
        int va = rtnl.links().index("va");
        List<Address> listed = rtnl.addresses().list();
        assertTrue(listed.contains(new Address(va, v4, 22, InetAddress.getByName("172.30.7.255"), 0)), listed.toString());
        Address six = null;
        for (Address a : listed) {
            six = a.address().equals(v6) ? a : six;
        }
        assertTrue(six != null && six.index() == va && six.prefix() == 64, listed.toString());
        assertNull(six.broadcast());

        NetlinkException again = assertThrows(NetlinkException.class, () -> rtnl.addresses().add("va", v4, 22));
        assertEquals(Errno.EEXIST, again.errno());
        assertTrue(again.getMessage().startsWith("RTM_NEWADDR 172.30.4.5/22 dev va: EEXIST"), again.getMessage());

        rtnl.addresses().delete("va", v4, 22);
        rtnl.addresses().delete("va", v6, 64);
        shown = ns.ip("-j", "addr", "show", "va");
        assertFalse(shown.contains("172.30.4.5") || shown.contains("fd00:be::5"), shown);
        NetlinkException gone = assertThrows(NetlinkException.class, () -> rtnl.addresses().delete("va", v4, 22));
        assertEquals(Errno.EADDRNOTAVAIL, gone.errno());
    }

    @Test
    void routesThroughADeviceAndAGateway() throws Exception {
        rtnl.addresses().add("va", InetAddress.getByName("10.77.0.2"), 24);
        InetAddress net = InetAddress.getByName("10.99.0.0");
        InetAddress gateway = InetAddress.getByName("10.77.0.1");
        rtnl.routes().add(net, 24, null, "va");
        rtnl.routes().addDefault(gateway);
        rtnl.routes().add(InetAddress.getByName("fd00:99::"), 64, null, "vz");

        String shown = ns.ip("-j", "route");
        assertTrue(shown.contains("{\"dst\":\"10.99.0.0/24\",\"dev\":\"va\",\"scope\":\"link\""), shown);
        assertTrue(shown.contains("{\"dst\":\"default\",\"gateway\":\"10.77.0.1\",\"dev\":\"va\""), shown);
        assertTrue(ns.ip("-j", "-6", "route").contains("{\"dst\":\"fd00:99::/64\",\"dev\":\"vz\""));

        int va = rtnl.links().index("va");
        List<String> listed = new ArrayList<>();
        for (Route r : rtnl.routes().list()) {
            listed.add(r.destination().getHostAddress() + "/" + r.prefix() + " " + r.gateway() + " " + r.oif());
        }
        assertTrue(listed.contains("10.99.0.0/24 null " + va), listed.toString());
        assertTrue(listed.contains("0.0.0.0/0 /10.77.0.1 " + va), listed.toString());
        assertTrue(listed.contains("fd00:99:0:0:0:0:0:0/64 null " + rtnl.links().index("vz")), listed.toString());

        rtnl.routes().delete(net, 24, null, "va");
        rtnl.routes().delete(null, 0, gateway, null);
        shown = ns.ip("-j", "route");
        assertFalse(shown.contains("10.99.0.0") || shown.contains("default"), shown);
        NetlinkException gone = assertThrows(NetlinkException.class, () -> rtnl.routes().delete(net, 24, null, "va"));
        assertEquals(Errno.ESRCH, gone.errno());
        assertTrue(gone.getMessage().startsWith("RTM_DELROUTE 10.99.0.0/24 dev va: ESRCH"), gone.getMessage());
    }
}
