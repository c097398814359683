package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reboot rule: addresses, ports and names of an earlier boot are dropped, a crash of berth keeps them. */
class PerBootTest {
    @TempDir
    Path tmp;
    Path bootId;

    @BeforeEach
    void setUp() throws Exception {
        bootId = tmp.resolve("boot_id");
        Files.writeString(bootId, "11111111-1111-1111-1111-111111111111\n");
    }

    /** The store as a new berth process sees it (nothing cached from an earlier instance). */
    private Networks open() {
        return new Networks(tmp.resolve("networks"),
            new Networks.Config(null, Networks.DEFAULT_POOL, tmp.resolve("no-routes")).withBootId(bootId));
    }

    private void reboot() throws Exception {
        Files.writeString(bootId, "22222222-2222-2222-2222-222222222222\n");
    }

    /** A container on "web" (a user network, with a name) and two on the default one, one publishing a port. */
    private void populate(Networks networks) throws Exception {
        networks.create("web", "10.9.0.0/24", null, false, Map.of());
        Ipam ipam = new Ipam(networks);
        assertEquals("10.88.0.2", ipam.allocate("bridge", "c1", null).address());
        assertEquals("10.88.0.3", ipam.allocate("bridge", "c2", null).address());
        Allocation w = ipam.allocate("web", "c3", null);
        Path hosts = Files.writeString(tmp.resolve("hosts-c3"), "127.0.0.1\tlocalhost\n");
        new Peers(networks).join(networks.get("web"), new Peers.Peer("c3", "app", List.of(), w.address(), hosts));
        assertEquals(1, new HostPorts(networks).publish("c1", PortSpec.parse("127.0.0.1::80")).size());
    }

    @Test
    void aRebootDropsAddressesPortsAndNamesButNotNetworks() throws Exception {
        populate(open());
        reboot();
        Networks after = open();
        Ipam ipam = new Ipam(after);
        assertEquals(List.of(), ipam.list("bridge"));
        assertEquals(List.of(), ipam.list("web"));
        assertEquals(List.of(), new HostPorts(after).list());
        assertEquals(List.of(), new Peers(after).list("web"));
        assertEquals(List.of("bridge", "web"), names(after.list()));
        // the turn starts again too: the first address of the subnet
        assertEquals("10.88.0.2", ipam.allocate("bridge", "c9", null).address());
        assertFalse(Files.exists(tmp.resolve("networks/.ports.json")));
        assertFalse(Files.exists(tmp.resolve("networks/.peers/web.json")));
        assertEquals("22222222-2222-2222-2222-222222222222\n", Files.readString(tmp.resolve("networks/.boot-id")));
    }

    @Test
    void aReaderWithoutTheLockSeesNothingOfAnEarlierBoot() throws Exception {
        populate(open());
        reboot();
        Networks after = open();
        assertEquals(null, new Ipam(after).find("bridge", "c1"));
        assertFalse(Files.exists(tmp.resolve("networks/.ipam/bridge.json")));
    }

    @Test
    void withoutARebootANewProcessKeepsEverything() throws Exception {
        populate(open());
        Networks again = open(); // a crashed CLI or daemon, and the next one
        Ipam ipam = new Ipam(again);
        assertEquals(List.of("c1", "c2"), containers(ipam.list("bridge")));
        assertEquals(List.of("c3"), containers(ipam.list("web")));
        assertEquals(1, new HostPorts(again).list().size());
        assertEquals(1, new Peers(again).list("web").size());
        assertEquals("10.88.0.4", ipam.allocate("bridge", "c4", null).address());
    }

    @Test
    void filesTornByAPowerLossAreDroppedUnreadButReportedWithinABoot() throws Exception {
        Networks before = open();
        populate(before);
        Path f = tmp.resolve("networks/.ipam/bridge.json");
        Files.writeString(f, ""); // what an unsynced rename may leave after a power loss
        Files.writeString(tmp.resolve("networks/.ports.json"), "{\"Por");
        // the same boot: a file berth did not write is never reset
        assertThrows(NetException.CorruptState.class, () -> new Ipam(open()).allocate("bridge", "c9", null));
        reboot();
        Networks after = open();
        assertEquals("10.88.0.2", new Ipam(after).allocate("bridge", "c9", null).address());
        assertEquals(List.of(), new HostPorts(after).list());
    }

    @Test
    void aStoreFromBeforeBootIdsIsAdoptedNotDropped() throws Exception {
        populate(open());
        Files.delete(tmp.resolve("networks/.boot-id")); // as berth left it before it knew boots
        Networks upgraded = open();
        assertEquals(List.of("c1", "c2"), containers(new Ipam(upgraded).list("bridge")));
        assertEquals("11111111-1111-1111-1111-111111111111\n", Files.readString(tmp.resolve("networks/.boot-id")));
        reboot();
        assertEquals(List.of(), new Ipam(open()).list("bridge"));
    }

    @Test
    void writesAreUnsyncedOnlyWhenTheBootIsKnown() throws Exception {
        Networks known = open();
        new Ipam(known).allocate("bridge", "c1", null);
        assertFalse(known.durablePerBoot());
        // no boot id to tell a reboot by: the old rule, durable files that a reboot keeps
        Files.delete(bootId);
        Networks blind = open();
        new Ipam(blind).allocate("bridge", "c2", null);
        assertTrue(blind.durablePerBoot());
        assertEquals(List.of("c1", "c2"), containers(new Ipam(open()).list("bridge")));
    }

    private static List<String> containers(List<Allocation> as) {
        List<String> out = new ArrayList<>();
        for (Allocation a : as) {
            out.add(a.containerId());
        }
        return out;
    }

    private static List<String> names(List<Network> ns) {
        List<String> out = new ArrayList<>();
        for (Network n : ns) {
            out.add(n.name());
        }
        return out;
    }
}
