package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names on a user network: what each container's hosts file holds as others join and leave. */
class PeersTest {
    private static final String BASE = "127.0.0.1\tlocalhost\n10.9.0.9\tmine\n";

    @TempDir
    Path tmp;
    Networks networks;
    Peers peers;
    Network web;

    @BeforeEach
    void setUp() throws Exception {
        networks = new Networks(tmp.resolve("networks"), new Networks.Config(null, Networks.DEFAULT_POOL, tmp.resolve("no-routes")));
        peers = new Peers(networks);
        web = networks.create("web", "10.9.0.0/24", null, false, Map.of());
    }

    private Peers.Peer peer(String id, String name, String address, String... aliases) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("containers").resolve(id));
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, BASE);
        return new Peers.Peer(id, name, List.of(aliases), address, hosts);
    }

    @Test
    void joiningAndLeavingRewritesOnlyBerthsLines() throws Exception {
        Peers.Peer a = peer("aaaaaaaaaaaaaaaa", "a", "10.9.0.2", "api");
        Peers.Peer b = peer("bbbbbbbbbbbbbbbb", "b", "10.9.0.3");
        peers.join(web, a);
        assertEquals(BASE, Files.readString(a.hosts()));
        peers.join(web, b);
        assertEquals(BASE + "10.9.0.3\tb bbbbbbbbbbbb\t# berth web bbbbbbbbbbbbbbbb\n", Files.readString(a.hosts()));
        assertEquals(BASE + "10.9.0.2\ta api aaaaaaaaaaaa\t# berth web aaaaaaaaaaaaaaaa\n", Files.readString(b.hosts()));
        // what the container wrote itself stays
        Files.writeString(a.hosts(), "10.1.1.1\tmyown\n", java.nio.file.StandardOpenOption.APPEND);
        peers.leave("web", "bbbbbbbbbbbbbbbb");
        assertEquals(BASE + "10.1.1.1\tmyown\n", Files.readString(a.hosts()));
        assertEquals(BASE, Files.readString(b.hosts()));
        assertEquals(List.of(a), peers.list("web"));
        peers.leaveAll("aaaaaaaaaaaaaaaa");
        assertEquals(List.of(), peers.list("web"));
        assertFalse(Files.exists(tmp.resolve("networks/.peers/web.json")));
    }

    @Test
    void aRenameRewritesTheOthersLinesAndTheBook() throws Exception {
        Peers.Peer a = peer("aaaaaaaaaaaaaaaa", "a", "10.9.0.2", "api");
        Peers.Peer b = peer("bbbbbbbbbbbbbbbb", "b", "10.9.0.3");
        peers.join(web, a);
        peers.join(web, b);
        peers.rename("aaaaaaaaaaaaaaaa", "renamed");
        assertEquals(BASE + "10.9.0.2\trenamed api aaaaaaaaaaaa\t# berth web aaaaaaaaaaaaaaaa\n", Files.readString(b.hosts()));
        assertEquals(BASE + "10.9.0.3\tb bbbbbbbbbbbb\t# berth web bbbbbbbbbbbbbbbb\n", Files.readString(a.hosts()),
            "its own file is as it was");
        assertEquals("renamed", peers.list("web").get(0).name(), "the book has the new name for later joiners");
        Peers.Peer c = peer("cccccccccccccccc", "c", "10.9.0.4");
        peers.join(web, c);
        assertTrue(Files.readString(c.hosts()).contains("10.9.0.2\trenamed api aaaaaaaaaaaa\t"));
        peers.rename("dddddddddddddddd", "x"); // on no network: nothing to do
    }

    @Test
    void aContainerThatIsGoneIsForgottenAtTheNextJoin() throws Exception {
        Peers.Peer a = peer("aaaaaaaaaaaaaaaa", "a", "10.9.0.2");
        peers.join(web, a);
        Files.delete(a.hosts());
        Peers.Peer c = peer("cccccccccccccccc", "c", "10.9.0.2");
        peers.join(web, c);
        assertEquals(BASE, Files.readString(c.hosts()));
        assertEquals(List.of(c), peers.list("web"));
    }

    @Test
    void theDefaultNetworkHasNoNamesAndAliasesMustBePlain() throws Exception {
        Peers.Peer a = peer("aaaaaaaaaaaaaaaa", "a", "10.88.0.2");
        Peers.Peer b = peer("bbbbbbbbbbbbbbbb", "b", "10.88.0.3");
        Network bridge = networks.ensureDefault();
        peers.join(bridge, a);
        peers.join(bridge, b);
        assertEquals(BASE, Files.readString(a.hosts()));
        assertThrows(NetException.InvalidArgument.class, () -> peers.join(web, peer("dddd", "d", "10.9.0.4", "bad name")));
        assertTrue(peers.list("web").isEmpty());
    }
}
