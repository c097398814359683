package dev.berth.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * How long a container's link takes, logged, never asserted (performance is judged by bench/):
 * the veth pair, its end in the box renamed eth0, enslaved, addressed, up, with a default route.
 * Once with the peer created in the box, once created here and moved.
 */
class RtnlTimingTest extends TwoNamespaces {
    private static final int ROUNDS = 50;

    @Test
    void containerLinkSetUp() throws Exception {
        long start = System.nanoTime();
        Rtnl first = Rtnl.open(host.path()); // links the downcalls, unless an earlier test did
        long firstOpen = System.nanoTime() - start;
        start = System.nanoTime();
        Rtnl second = Rtnl.open(box.path());
        System.out.println("rtnl: Rtnl.open(netns) first " + firstOpen / 1000 + " us, second "
            + (System.nanoTime() - start) / 1000 + " us");
        try (Rtnl h = first; Rtnl c = second) {
            InetAddress gateway = InetAddress.getByName("10.88.0.1");
            InetAddress address = InetAddress.getByName("10.88.0.2");
            h.links().addBridge("berth0", 0);
            h.addresses().add("berth0", gateway, 16);
            h.links().setUp("berth0");
            for (int moved = 0; moved < 2; moved++) {
                long[] took = new long[ROUNDS];
                long deleting = 0;
                for (int i = 0; i < ROUNDS; i++) {
                    long t0 = System.nanoTime();
                    if (moved == 0) {
                        h.links().addVeth("vb" + i, "tmp0", box.path());
                    } else {
                        h.links().addVeth("vb" + i, "tmp0", null);
                        h.links().moveTo("tmp0", box.path());
                    }
                    h.links().setMaster("vb" + i, "berth0");
                    h.links().setUp("vb" + i);
                    c.links().rename("tmp0", "eth0");
                    c.addresses().add("eth0", address, 16);
                    c.links().setUp("eth0");
                    c.routes().addDefault(gateway);
                    took[i] = System.nanoTime() - t0;
                    c.links().delete("eth0");
                    deleting += System.nanoTime() - t0 - took[i];
                }
                long firstRound = took[0];
                Arrays.sort(took);
                System.out.println("rtnl: veth " + (moved == 0 ? "created in the box" : "created here and moved")
                    + " + enslaved + renamed + addressed + up + default route: first " + firstRound / 1000
                    + " us, then median " + took[ROUNDS / 2] / 1000 + " us, min " + took[0] / 1000 + " us ("
                    + ROUNDS + " rounds); deleting the pair " + deleting / ROUNDS / 1000 + " us on average");
            }
            assertTrue(h.links().list().size() == 2, "veth ends left behind: " + h.links().list());
        }
    }
}
