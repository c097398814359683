package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostsFileTest {
    private static final String DEFAULTS = "127.0.0.1\tlocalhost\n"
        + "::1\tlocalhost ip6-localhost ip6-loopback\n"
        + "fe00::0\tip6-localnet\n"
        + "ff00::0\tip6-mcastprefix\n"
        + "ff02::1\tip6-allnodes\n"
        + "ff02::2\tip6-allrouters\n";

    @Test
    void dockersLayout() throws Exception {
        assertEquals(DEFAULTS + "10.88.0.2\tabc123\n", HostsFile.build("abc123", null, "10.88.0.2", List.of(), List.of(), null));
        assertEquals(DEFAULTS
                + "10.0.0.5\tdb\n"
                + "10.88.0.1\thost.docker.internal\n"
                + "::1\tsix\n"
                + "10.88.0.2\tweb.example.com web www api\n",
            HostsFile.build("web", "example.com", "10.88.0.2", List.of("www", "api", "web"),
                List.of("db:10.0.0.5", "host.docker.internal:host-gateway", "six=[::1]"), "10.88.0.1"));
        // no network of its own: the name still resolves
        assertEquals(DEFAULTS + "127.0.1.1\tlonely\n", HostsFile.build("lonely", "", null, null, null, null));
    }

    @Test
    void extraHosts() throws Exception {
        assertArrayEquals(new String[] {"h", "::1"}, HostsFile.parseExtraHost("h:::1", null));
        assertArrayEquals(new String[] {"h", "2001:db8::1"}, HostsFile.parseExtraHost("h:[2001:db8::1]", null));
        assertArrayEquals(new String[] {"h", "10.1.2.3"}, HostsFile.parseExtraHost("h=10.1.2.3", null));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> HostsFile.parseExtraHost("nohost", null)).getMessage()
            .startsWith("bad format for add-host: \"nohost\""));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> HostsFile.parseExtraHost(":1.2.3.4", null)).getMessage()
            .startsWith("bad format for add-host"));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> HostsFile.parseExtraHost("h:1.2.3", null)).getMessage()
            .startsWith("invalid IP address in add-host: \"1.2.3\""));
        assertTrue(assertThrows(NetException.InvalidArgument.class, () -> HostsFile.parseExtraHost("h:host-gateway", null))
            .getMessage().contains("host-gateway needs a network"));
        // nothing that could add a line of its own
        assertThrows(NetException.InvalidArgument.class, () -> HostsFile.parseExtraHost("a b:1.2.3.4", null));
        assertThrows(NetException.InvalidArgument.class, () -> HostsFile.parseExtraHost("a\n6.6.6.6 evil:1.2.3.4", null));
        assertThrows(NetException.InvalidArgument.class, () -> HostsFile.parseExtraHost("h:1.2.3.4\n6.6.6.6 evil", null));
        assertThrows(NetException.InvalidArgument.class, () -> HostsFile.build("a b", null, "10.0.0.2", null, null, null));
        assertThrows(NetException.InvalidArgument.class, () -> HostsFile.build("a", null, "10.0.0.2", List.of("x\ny"), null, null));
    }
}
