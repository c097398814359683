package dev.berth.net;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A separate JVM for {@link IpamConcurrencyTest}: allocates addresses on the default network from
 * several threads at once and prints {@code containerId address networkId} per allocation.
 * {@code hold DIR}: takes the store's lock, says "locked", and sleeps until killed.
 */
public final class IpamWorker {
    public static void main(String[] args) throws Exception {
        Networks networks = new Networks(Path.of(args[1]),
            new Networks.Config(null, Networks.DEFAULT_POOL, Path.of(args[1]).resolve("no-routes")));
        if (args[0].equals("hold")) {
            try (StateLock l = networks.lock()) {
                System.out.println("locked");
                System.out.flush();
                Thread.sleep(600_000);
            }
            return;
        }
        String prefix = args[2];
        int threads = Integer.parseInt(args[3]);
        CountDownLatch go = new CountDownLatch(1);
        List<String> out = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> all = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            String id = prefix + "-" + i;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    Allocation a = new Ipam(networks).allocate("bridge", id, null);
                    out.add(id + " " + a.address() + " " + networks.get("bridge").id());
                } catch (Exception e) {
                    out.add(id + " ERROR " + e);
                }
            });
            t.start();
            all.add(t);
        }
        go.countDown();
        for (Thread t : all) {
            t.join();
        }
        for (String line : out) {
            System.out.println(line);
        }
    }
}
