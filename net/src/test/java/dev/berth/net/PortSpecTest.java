package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PortSpecTest {
    private static PortSpec one(String s) throws NetException {
        List<PortSpec> l = PortSpec.parse(s);
        assertEquals(1, l.size(), l.toString());
        return l.get(0);
    }

    @Test
    void shortForms() throws Exception {
        assertEquals(new PortSpec("", 0, 0, 80, "tcp"), one("80"));
        assertEquals(new PortSpec("", 8080, 8080, 80, "tcp"), one("8080:80"));
        assertEquals(new PortSpec("127.0.0.1", 5353, 5353, 53, "udp"), one("127.0.0.1:5353:53/udp"));
        assertEquals(new PortSpec("127.0.0.1", 0, 0, 80, "tcp"), one("127.0.0.1::80"));
        assertEquals(new PortSpec("", 0, 0, 80, "sctp"), one("80/SCTP"));
        assertEquals(new PortSpec("", 0, 0, 80, "tcp"), one("80/"));
        assertEquals(new PortSpec("", 0, 0, 80, "tcp"), one(":80"));
        assertEquals(new PortSpec("", 0, 0, 80, "tcp"), one("0:80"));
        assertTrue(one("80").pick());
        assertFalse(one("8080:80").pick());
        assertEquals("0.0.0.0:8080->80/tcp", one("8080:80").toString());
    }

    @Test
    void ipv6Hosts() throws Exception {
        assertEquals(new PortSpec("::1", 8080, 8080, 80, "tcp"), one("[::1]:8080:80"));
        assertEquals(new PortSpec("2001:db8::1", 0, 0, 443, "tcp"), one("[2001:db8::1]::443"));
        assertEquals(new PortSpec("::1", 8080, 8080, 80, "tcp"), one("::1:8080:80")); // docker reads it so too
        assertEquals("[::1]:8080->80/tcp", one("[::1]:8080:80").toString());
    }

    @Test
    void ranges() throws Exception {
        List<PortSpec> l = PortSpec.parse("8000-8002:80-82/udp");
        assertEquals(List.of(new PortSpec("", 8000, 8000, 80, "udp"), new PortSpec("", 8001, 8001, 81, "udp"),
            new PortSpec("", 8002, 8002, 82, "udp")), l);
        assertEquals(List.of(new PortSpec("", 0, 0, 80, "tcp"), new PortSpec("", 0, 0, 81, "tcp")), PortSpec.parse("80-81"));
        // one container port and a host range: pick one of the range
        PortSpec p = one("8000-8010:80");
        assertEquals(new PortSpec("", 8000, 8010, 80, "tcp"), p);
        assertTrue(p.pick());
        assertEquals(11, PortSpec.parse("8000-8010:80-90").size());
    }

    @Test
    void longForm() throws Exception {
        assertEquals(new PortSpec("", 8080, 8080, 80, "udp"), one("published=8080,target=80,protocol=udp"));
        assertEquals(new PortSpec("", 0, 0, 80, "tcp"), one("target=80,mode=host"));
        assertThrows(NetException.InvalidArgument.class, () -> PortSpec.parse("published=8080"));
        assertThrows(NetException.InvalidArgument.class, () -> PortSpec.parse("target=80,color=red"));
    }

    @Test
    void badSpecsSayWhatDockerSays() {
        String[][] cases = {
            {"", "no port specified: <empty>"},
            {"8080:", "no port specified: 8080:<empty>"},
            {"80/icmp", "invalid proto: icmp"},
            {"http", "invalid containerPort: http"},
            {"0", "invalid containerPort: 0"},
            {"65536", "invalid containerPort: 65536"},
            {"90-80", "invalid containerPort: 90-80"},
            {"8080:-80", "invalid containerPort: -80"},
            {"x:80", "invalid hostPort: x"},
            {"70000:80", "invalid hostPort: 70000"},
            {"1.2.3:8080:80", "invalid IP address: 1.2.3"},
            {"[::1:8080:80", "invalid IP address [::1: missing ']'"},
            {"8000-8002:80-81", "invalid ranges specified for container and host Ports: 80-81 and 8000-8002"},
            {"8080:80-81", "invalid ranges specified for container and host Ports: 80-81 and 8080"},
        };
        for (String[] c : cases) {
            String m = assertThrows(NetException.InvalidArgument.class, () -> PortSpec.parse(c[0]), c[0]).getMessage();
            assertTrue(m.startsWith(c[1]), c[0] + " -> " + m);
            assertTrue(m.contains("(in -p " + c[0] + "; use [IP:][HOSTPORT:]CONTAINERPORT[/PROTO]"), m);
            assertFalse(m.contains("\n"), m);
        }
    }

    @Test
    void publishAllExposedPortsExceptThoseGiven() throws Exception {
        List<PortSpec> explicit = PortSpec.parse("8080:80");
        List<PortSpec> all = PortSpec.publishAll(List.of("80/tcp", "53/udp", "9000-9001", "443"), explicit);
        assertEquals(List.of(new PortSpec("", 8080, 8080, 80, "tcp"), new PortSpec("", 0, 0, 53, "udp"),
            new PortSpec("", 0, 0, 9000, "tcp"), new PortSpec("", 0, 0, 9001, "tcp"), new PortSpec("", 0, 0, 443, "tcp")), all);
        assertThrows(NetException.InvalidArgument.class, () -> PortSpec.publishAll(List.of("8080:80"), List.of()));
        assertThrows(NetException.InvalidArgument.class, () -> PortSpec.publishAll(List.of("80/gre"), List.of()));
    }
}
