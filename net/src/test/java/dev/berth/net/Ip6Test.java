package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** IPv6 addresses and subnets: RFC 5952 text, arithmetic, containment; the routes read from /proc. */
class Ip6Test {
    @Test
    void addressesPrintInTheShortFormDockerAndIproutePrint() {
        assertEquals("fd00:1::2", Ip6.parse("FD00:0001:0000:0000:0000:0000:0000:0002").toString());
        assertEquals("::", Ip6.parse("0:0:0:0:0:0:0:0").toString());
        assertEquals("::1", Ip6.parse("::1").toString());
        assertEquals("2001:db8::1:0:0:1", Ip6.parse("2001:db8:0:0:1:0:0:1").toString()); // the first longest run
        assertEquals("2001:db8:0:1:1:1:1:1", Ip6.parse("2001:db8:0:1:1:1:1:1").toString()); // one zero group stays
        assertEquals("fd00::1:0", Ip6.parse("fd00::ffff").plus(1).toString());
        assertEquals("fd00:0:0:1::", Ip6.parse("fd00::ffff:ffff:ffff:ffff").plus(1).toString()); // carried
        for (String bad : List.of("10.0.0.1", "::ffff:10.0.0.1", "fe80::1%eth0", "fd00::g", "localhost", "")) {
            assertFalse(Ip6.valid(bad), bad);
        }
    }

    @Test
    void subnetsRefuseHostBitsAndKnowWhatTheyHold() throws Exception {
        Subnet6 s = Subnet6.parse("fd00:b1:2::/64");
        assertTrue(s.contains(Ip6.parse("fd00:b1:2::ffff")));
        assertFalse(s.contains(Ip6.parse("fd00:b1:3::1")));
        assertTrue(s.overlaps(Subnet6.parse("fd00:b1::/32")));
        assertFalse(s.overlaps(Subnet6.parse("fd00:b1:3::/64")));
        assertEquals("invalid subnet fd00:b1:2::1/64: it should be fd00:b1:2::/64",
            assertThrows(NetException.InvalidArgument.class, () -> Subnet6.parse("fd00:b1:2::1/64")).getMessage());
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> Subnet6.parse("fd00::/129")).getMessage()
            .contains("0 to 128"));
        assertEquals(3, Subnet6.parse("fd00::/126").hosts());
        assertEquals(-1L, s.hosts()); // 2^64 - 1, unsigned
    }

    @Test
    void ipv6RoutesLeaveOutTheDefaultLinkLocalAndMulticast() throws Exception {
        List<String> lines = List.of(
            "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0",
            "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001     eth0",
            "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0",
            "ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000003 00000000 00000001     eth0",
            "20010db8000100000000000000000000 30 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000003 00000000 00040001    wlan0");
        assertEquals(List.of(new HostRoutes.Route6(Subnet6.parse("fd00::/64"), "eth0"),
            new HostRoutes.Route6(Subnet6.parse("2001:db8:1::/48"), "wlan0")), HostRoutes.parse6(lines));
    }
}
