package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many {@code berth run --rm} at once (issue 10): every exit code right, no name or address
 * given twice, nothing left, no deadlock (each run has 60 s, {@link Berth#run}). The containers
 * wait on a FIFO until all of them run, so they are alive together, not one after another.
 * {@code -Dberth.load.runs=N} sets the count ({@code bench/load.sh} runs the full 200); the
 * bridged batch is a quarter of it, in the test's own network namespace.
 */
class LoadTest extends ContainerTestBase {
    private static final int RUNS = Integer.getInteger("berth.load.runs", 100);

    @Test
    void concurrentRunsWithRmExitRightAndLeaveNothing() throws Exception {
        List<String> outs = together(RUNS, "none", i -> "echo $(hostname) " + i + "; exit " + (i % 7));
        Set<String> hostnames = new HashSet<>();
        for (int i = 0; i < RUNS; i++) {
            String[] f = outs.get(i).strip().split(" ");
            assertEquals(String.valueOf(i), f[1], outs.get(i));
            assertTrue(hostnames.add(f[0]), "two containers are " + f[0]);
        }
        nothingLeft();
    }

    @Test
    void concurrentBridgedRunsGetAnAddressEachAndGiveItBack() throws Exception {
        berth.inOwnNetns();
        int n = Math.max(2, RUNS / 4);
        List<String> outs = together(n, "bridge",
            i -> "ip -4 -o addr show eth0 | { read a b c d e; echo ${d%/*}; }; exit " + (i % 7));
        Set<String> addresses = new HashSet<>();
        for (String o : outs) {
            assertEquals(4, o.strip().split("\\.").length, "not an address: " + o);
            assertTrue(addresses.add(o.strip()), "address given twice while both ran: " + o.strip());
        }
        nothingLeft();
        String ipam = Files.readString(berth.root().resolve("networks/.ipam/bridge.json"));
        assertTrue(ipam.contains("\"Addresses\":{}"), "an address is still held: " + ipam);
    }

    interface Script {
        String of(int i);
    }

    /**
     * Starts {@code n} foreground runs at once, lets them go when all of them run, and returns
     * what each printed; checks that each exited with its own code.
     */
    private List<String> together(int n, String network, Script script) throws Exception {
        Path dir = Files.createDirectory(berth.root().resolve("gate"));
        Path fifo = dir.resolve("fifo");
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        List<Future<Berth.Result>> runs = new ArrayList<>();
        // read+write: open does not wait for a reader, and the lines stay until each is read
        try (RandomAccessFile gate = new RandomAccessFile(fifo.toFile(), "rw");
             ExecutorService pool = Executors.newFixedThreadPool(n)) {
            for (int i = 0; i < n; i++) {
                int k = i;
                runs.add(pool.submit(() -> berth.run("run", "--rm", "--network", network, "-v", dir + ":/gate", "host",
                    "sh", "-c", "read go < /gate/fifo; " + script.of(k))));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (running() < n) {
                assertTrue(System.nanoTime() < deadline, running() + " of " + n + " runs started in 120 s");
                for (Future<Berth.Result> f : runs) {
                    if (f.isDone()) { // one that ended before the gate opened failed
                        assertEquals(0, f.get().code(), f.get().err());
                    }
                }
                Thread.sleep(200);
            }
            gate.write("\n".repeat(n).getBytes());
            List<String> outs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Berth.Result r = runs.get(i).get();
                assertEquals(i % 7, r.code(), "run " + i + ": " + r.err());
                outs.add(r.out());
            }
            return outs;
        }
    }

    private int running() throws Exception {
        return (int) berth.ok("ps", "-q").lines().count();
    }

    private void nothingLeft() throws Exception {
        assertEquals("", berth.ok("ps", "-a", "-q"));
        try (var dirs = Files.list(berth.root().resolve("containers"))) {
            assertEquals(0, dirs.count(), "a --rm container stayed");
        }
        try (var names = Files.list(berth.root().resolve("names"))) {
            assertEquals(0, names.count(), "a name stayed");
        }
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
        // processes, mounts and cgroups: checked after each test (ContainerTestBase)
    }
}
