package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hundred berth processes started at once on one network: each container gets an address of
 * its own and a veth on the bridge, and one rm takes every address and veth away.
 */
class NetworkLoadTest extends ContainerTestBase {
    private static final int N = 100;

    @BeforeEach
    void ownNetns() throws Exception {
        berth.inOwnNetns();
    }

    @Test
    void aHundredConcurrentRunsGetAHundredAddresses() throws Exception {
        List<Future<Berth.Result>> runs = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(N)) {
            for (int i = 0; i < N; i++) {
                runs.add(pool.submit(() -> berth.run("run", "-d", "--network", "bridge", "host", "sleep", "120")));
            }
        }
        List<String> ids = new ArrayList<>();
        for (Future<Berth.Result> f : runs) {
            Berth.Result r = f.get();
            assertEquals(0, r.code(), r.err());
            ids.add(r.out().strip());
        }
        // what berth says, and what the kernel has: a port of berth0 per container
        String containers = berth.ok("network", "inspect", "-f", "{{json .Containers}}", "bridge");
        Set<String> addresses = new HashSet<>();
        Matcher m = Pattern.compile("\"IPv4Address\":\"([0-9.]+)/").matcher(containers);
        while (m.find()) {
            assertTrue(addresses.add(m.group(1)), "address given twice: " + m.group(1));
        }
        assertEquals(N, addresses.size(), containers);
        assertEquals(N, ports());
        List<String> rm = new ArrayList<>(List.of("rm", "-f"));
        rm.addAll(ids);
        berth.ok(rm.toArray(String[]::new));
        assertEquals("{}", berth.ok("network", "inspect", "-f", "{{json .Containers}}", "bridge").strip());
        assertFalse(NetTools.nft(berth.netns()).contains("container "));
        for (int i = 0; i < 50 && ports() > 0; i++) {
            Thread.sleep(100); // a namespace's veth goes with it, as the kernel tears it down
        }
        assertEquals(0, ports());
    }

    private long ports() throws Exception {
        return NetTools.ip(berth.netns(), "-o", "link", "show", "master", "berth0").lines().count();
    }
}
