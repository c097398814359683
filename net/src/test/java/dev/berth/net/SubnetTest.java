package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SubnetTest {
    @Test
    void parsesAndFormatsAddresses() {
        assertEquals(0x0a580001, Inet4.parse("10.88.0.1"));
        assertEquals("255.255.255.255", Inet4.format(Inet4.parse("255.255.255.255")));
        for (String bad : new String[] {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.4 ", "a.b.c.d",
            "1.2.3.-4", "1234.1.1.1"}) {
            assertFalse(Inet4.valid(bad), bad);
        }
    }

    @Test
    void macIsDockersFromTheAddress() {
        assertEquals("02:42:ac:11:00:02", Inet4.mac(Inet4.parse("172.17.0.2")));
        assertEquals("02:42:0a:58:ff:fe", Inet4.mac(Inet4.parse("10.88.255.254")));
    }

    @Test
    void subnets() throws Exception {
        Subnet s = Subnet.parse("10.88.0.0/16");
        assertEquals("10.88.0.0/16", s.toString());
        assertEquals(Inet4.parse("10.88.255.255"), s.broadcast());
        assertTrue(s.contains(Inet4.parse("10.88.3.4")));
        assertFalse(s.contains(Inet4.parse("10.89.0.0")));
        assertTrue(s.overlaps(Subnet.parse("10.88.5.0/24")));
        assertTrue(Subnet.parse("10.0.0.0/8").overlaps(s));
        assertFalse(s.overlaps(Subnet.parse("10.89.0.0/16")));
        assertEquals("0.0.0.0/0", Subnet.parse("0.0.0.0/0").toString());
    }

    @Test
    void badCidrsSayWhatIsWrong() {
        assertEquals("invalid subnet 10.88.0.1/16: it should be 10.88.0.0/16",
            assertThrows(NetException.InvalidArgument.class, () -> Subnet.parse("10.88.0.1/16")).getMessage());
        for (String bad : List.of("10.88.0.0", "10.88.0/16", "10.88.0.0/33", "10.88.0.0/", "10.88.0.0/-1", "x/8",
            "10.88.0.0/1 6", "10.88.0.0/+8")) {
            String m = assertThrows(NetException.InvalidArgument.class, () -> Subnet.parse(bad)).getMessage();
            assertTrue(m.startsWith("invalid CIDR address: " + bad), m);
        }
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> Subnet.parse("fd00::/64")).getMessage()
            .contains("IPv4 only"));
    }

    @Test
    void routesFromProcNetRoute() {
        List<HostRoutes.Route> r = HostRoutes.parse(List.of(
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
            "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0",
            "cni-podman0\t0000580A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0",
            "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
            "garbage"));
        assertEquals(List.of(new HostRoutes.Route(new Subnet(Inet4.parse("10.88.0.0"), 16), "cni-podman0"),
            new HostRoutes.Route(new Subnet(Inet4.parse("192.0.2.0"), 24), "eth0")), r);
    }
}
