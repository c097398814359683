package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolvConfTest {
    @TempDir
    Path tmp;

    private static final String HOST = "# managed by resolvconf\n"
        + "nameserver 127.0.0.53\n"
        + "nameserver 10.255.255.53\n"
        + "nameserver ::1\n"
        + "nameserver 2001:db8::53\n"
        + "search corp.example lab.example\n"
        + "options edns0 trust-ad\n";

    @Test
    void loopbackAndIpv6ServersGoTheRestStays() throws Exception {
        assertEquals("# managed by resolvconf\n"
            + "nameserver 10.255.255.53\n"
            + "search corp.example lab.example\n"
            + "options edns0 trust-ad\n", ResolvConf.build(HOST, null, null, null));
    }

    @Test
    void noServerLeftMeansGooglesServers() throws Exception {
        assertEquals("search x.example\n"
            + "nameserver 8.8.8.8\nnameserver 8.8.4.4\n",
            ResolvConf.build("nameserver 127.0.0.1\nsearch x.example\nnameserver 127.1.2.3\n", List.of(), List.of(), List.of()));
        assertEquals("nameserver 8.8.8.8\nnameserver 8.8.4.4\n", ResolvConf.build(tmp.resolve("missing"), null, null, null));
    }

    @Test
    void flagsOverrideEachPart() throws Exception {
        assertEquals("search corp.example lab.example\nnameserver 1.1.1.1\nnameserver 2606:4700:4700::1111\n"
            + "options edns0 trust-ad\n", ResolvConf.build(HOST, List.of("1.1.1.1", "2606:4700:4700::1111"), null, null));
        assertEquals("search a.example\nnameserver 10.255.255.53\noptions edns0 trust-ad\n",
            ResolvConf.build(HOST, null, List.of("a.example"), null));
        assertEquals("nameserver 10.255.255.53\noptions edns0 trust-ad\n", ResolvConf.build(HOST, null, List.of("."), null));
        assertEquals("search corp.example lab.example\nnameserver 10.255.255.53\noptions ndots:2 timeout:1\n",
            ResolvConf.build(HOST, null, null, List.of("ndots:2", "timeout:1")));
        // only loopback servers on the host and only a search flag: the fallback
        assertEquals("search a.example\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n",
            ResolvConf.build("nameserver 127.0.0.53\n", null, List.of("a.example"), null));
    }

    @Test
    void readsTheGivenHostFile() throws Exception {
        Path f = tmp.resolve("resolv.conf");
        Files.writeString(f, HOST);
        assertEquals(ResolvConf.build(HOST, null, null, null), ResolvConf.build(f, null, null, null));
        assertTrue(Files.exists(ResolvConf.hostPath()) || ResolvConf.hostPath().equals(Path.of("/etc/resolv.conf")));
    }

    @Test
    void badFlagsInDockersWords() {
        assertEquals("IP address is not correctly formatted: 8.8.8; give --dns as an IPv4 or IPv6 address",
            assertThrows(NetException.InvalidArgument.class, () -> ResolvConf.build(HOST, List.of("8.8.8"), null, null))
                .getMessage());
        for (String bad : List.of("dns.google", "1.2.3.4\nnameserver 6.6.6.6", "fe80::1%eth0", "")) {
            assertThrows(NetException.InvalidArgument.class, () -> ResolvConf.build(HOST, List.of(bad), null, null), bad);
        }
        for (String bad : List.of("-bad.example", "a..b", "a b", "x\nnameserver 6.6.6.6", "a_b.example", "")) {
            String m = assertThrows(NetException.InvalidArgument.class, () -> ResolvConf.build(HOST, null, List.of(bad), null), bad)
                .getMessage();
            assertTrue(m.startsWith(bad + " is not a valid domain"), m);
        }
        assertThrows(NetException.InvalidArgument.class, () -> ResolvConf.build(HOST, null, null, List.of("ndots:1\nnameserver x")));
        assertThrows(NetException.InvalidArgument.class, () -> ResolvConf.build(HOST, null, null, List.of("")));
    }
}
