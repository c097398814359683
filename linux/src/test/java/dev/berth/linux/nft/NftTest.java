package dev.berth.linux.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** Root, real kernel; every table is made inside a network namespace of the test's own. */
class NftTest {
    private static final String NAME = "berth_nft_test_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);

    @Test
    void commandsLandInTheNamespaceAndNotOnTheHost() throws Exception {
        try (TestNetns ns = new TestNetns(); Nft nft = Nft.open(ns.path)) {
            assertEquals("", nft.run("add table ip " + NAME + "; add chain ip " + NAME + " c"));
            assertTrue(ns.sh("nft", "list", "tables").contains("table ip " + NAME));
            assertFalse(TestNetns.run(List.of("nft", "list", "tables")).contains(NAME));
            String listed = nft.run("list table ip " + NAME);
            assertTrue(listed.contains("chain c {"), listed);
        }
    }

    @Test
    void jsonInAndJsonOut() throws Exception {
        try (TestNetns ns = new TestNetns(); Nft nft = Nft.open(ns.path)) {
            nft.runJson("{\"nftables\":[{\"add\":{\"table\":{\"family\":\"ip\",\"name\":\"" + NAME + "\"}}}]}");
            String out = nft.runJson("{\"nftables\":[{\"list\":{\"table\":{\"family\":\"ip\",\"name\":\"" + NAME + "\"}}}]}");
            assertTrue(out.startsWith("{\"nftables\": [{\"metainfo\""), out);
            assertTrue(out.contains("{\"table\": {\"family\": \"ip\", \"name\": \"" + NAME + "\""), out);
            assertTrue(ns.sh("nft", "-j", "list", "tables").contains("\"name\": \"" + NAME + "\""));
        }
    }

    @Test
    void oneCallIsOneTransaction() throws Exception {
        try (TestNetns ns = new TestNetns(); Nft nft = Nft.open(ns.path)) {
            NftException e = assertThrows(NftException.class, () -> nft.run(
                "add table ip " + NAME + "\nadd chain ip " + NAME + " c\nadd rule ip " + NAME + " nosuch accept"));
            assertTrue(e.getMessage().startsWith("Could not process rule: No such file or directory (in: add "),
                e.getMessage());
            assertFalse(ns.sh("nft", "list", "tables").contains(NAME));
        }
    }

    @Test
    void aSyntaxErrorIsOneLine() throws Exception {
        try (TestNetns ns = new TestNetns(); Nft nft = Nft.open(ns.path)) {
            NftException e = assertThrows(NftException.class, () -> nft.run("add tabel ip x"));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(e.getMessage().startsWith("syntax error"), e.getMessage());
            NftException json = assertThrows(NftException.class, () -> nft.runJson(
                "{\"nftables\":[{\"delete\":{\"table\":{\"family\":\"ip\",\"name\":\"" + NAME + "\"}}}]}"));
            assertEquals("Could not process rule: No such file or directory", json.getMessage());
        }
    }

    /**
     * {@code iif NAME} is resolved to an index while the command runs, through a route socket
     * libnftables opens then: the interface exists only in the test's namespace, so this fails
     * unless every call runs on a thread that is in that namespace, whichever thread calls.
     */
    @Test
    void interfaceNamesResolveInTheNamespaceFromAnyCallingThread() throws Exception {
        try (TestNetns ns = new TestNetns(); Nft nft = Nft.open(ns.path)) {
            ns.sh("ip", "link", "add", "berthbr0", "type", "bridge");
            nft.run("add table ip " + NAME + "; add chain ip " + NAME + " c");
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    nft.run("add rule ip " + NAME + " c iif \"berthbr0\" accept");
                } catch (NftException e) {
                    throw new IllegalStateException(e);
                }
            });
            t.join();
            assertTrue(ns.sh("nft", "list", "chain", "ip", NAME, "c").contains("iif \"berthbr0\" accept"));
        }
    }

    @Test
    void aClosedContextRefusesWork() throws Exception {
        try (TestNetns ns = new TestNetns()) {
            Nft nft = Nft.open(ns.path);
            nft.close();
            nft.close();
            assertThrows(IllegalStateException.class, () -> nft.run("list tables"));
        }
    }

    @Test
    void errorTextIsKeptOnOneLine() {
        assertEquals("Could not process rule: No such file or directory (in: add rule ip t c accept); "
                + "syntax error, unexpected newline",
            Nft.oneLine("Error: Could not process rule: No such file or directory\nadd rule ip t c accept\n"
                + "                 ^\n/dev/stdin:2:1-3: Error: syntax error, unexpected newline\n", 1));
        assertEquals("something odd happened", Nft.oneLine("something odd\n happened\n", 1));
        assertEquals("nft command failed (rc 1) without an error message", Nft.oneLine("", 1));
    }
}
