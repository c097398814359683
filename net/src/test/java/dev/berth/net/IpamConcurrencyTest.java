package dev.berth.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 100 allocations at once from 4 JVMs and the test's own threads: no duplicate, nothing lost. */
class IpamConcurrencyTest {
    @TempDir
    Path tmp;

    @Test
    void hundredConcurrentAllocationsFromSeveralProcesses() throws Exception {
        Path dir = tmp.resolve("networks");
        List<Process> procs = new ArrayList<>();
        try {
            for (int p = 0; p < 4; p++) {
                procs.add(worker("alloc", dir.toString(), "p" + p, "20"));
            }
            // the test JVM joins in while the children run: 20 more threads
            List<CompletableFuture<String>> local = new ArrayList<>();
            Networks networks = new Networks(dir, new Networks.Config(null, Networks.DEFAULT_POOL, dir.resolve("no-routes")));
            for (int i = 0; i < 20; i++) {
                String id = "t-" + i;
                local.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        Allocation a = new Ipam(networks).allocate("bridge", id, null);
                        return id + " " + a.address() + " " + networks.get("bridge").id();
                    } catch (NetException e) {
                        return id + " ERROR " + e;
                    }
                }, r -> new Thread(r).start()));
            }
            List<String> lines = new ArrayList<>();
            for (Process p : procs) {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                }
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "worker did not finish");
                assertEquals(0, p.exitValue(), new String(p.getErrorStream().readAllBytes()));
            }
            for (CompletableFuture<String> f : local) {
                lines.add(f.get(120, TimeUnit.SECONDS));
            }
            assertEquals(100, lines.size(), String.join("\n", lines));
            Set<String> addresses = new HashSet<>();
            Set<String> networkIds = new HashSet<>();
            Map<String, String> byId = new HashMap<>();
            for (String line : lines) {
                String[] f = line.split(" ", 3);
                assertFalse(f[1].equals("ERROR"), line);
                assertTrue(addresses.add(f[1]), "address handed out twice: " + f[1]);
                networkIds.add(f[2]);
                byId.put(f[0], f[1]);
            }
            // every process raced to create the default network: there is one
            assertEquals(1, networkIds.size(), networkIds.toString());
            // and what the file says is what each caller was told
            Map<String, String> stored = new HashMap<>();
            for (Allocation a : new Ipam(networks).list("bridge")) {
                stored.put(a.containerId(), a.address());
            }
            assertEquals(byId, stored);
        } finally {
            for (Process p : procs) {
                p.destroyForcibly();
            }
        }
    }

    /** A holder killed with SIGKILL leaves no lock behind: the kernel drops fcntl locks of a dead process. */
    @Test
    void aKilledHolderDoesNotWedgeTheStore() throws Exception {
        Path dir = tmp.resolve("networks");
        Networks networks = new Networks(dir, new Networks.Config(null, Networks.DEFAULT_POOL, dir.resolve("no-routes")));
        networks.ensureDefault();
        Process holder = worker("hold", dir.toString());
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream()));
            assertEquals("locked", r.readLine());
            CompletableFuture<Allocation> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return new Ipam(networks).allocate("bridge", "c1", null);
                } catch (NetException e) {
                    throw new RuntimeException(e);
                }
            }, run -> new Thread(run).start());
            Thread.sleep(500);
            assertFalse(waiting.isDone(), "allocated while another process held the lock");
            holder.destroyForcibly(); // SIGKILL, by the pid of the process this test started
            assertEquals("10.88.0.2", waiting.get(30, TimeUnit.SECONDS).address());
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Process worker(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(IpamWorker.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).start();
    }
}
