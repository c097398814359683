package dev.berth.net;

import dev.berth.linux.Procs;
import dev.berth.linux.netlink.NetlinkTransport;
import dev.berth.linux.netlink.NftGeneration;
import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a short-lived berth remembers of a network's firewall elements between runs: the
 * nftables generation at which they were last read and found in place, in this boot and this
 * network namespace. The kernel counts the generation up with every change to the ruleset, by
 * anyone, so while it is unchanged the elements are still there and a new container on the
 * network needs no libnftables at all (docs/networking.md, "The firewall between runs"): one
 * NFT_MSG_GETGEN and three sysctl reads, where reading the table costs a cold JVM ~7 ms and the
 * link of libnftables' downcalls ~20 ms more. Any change, berth's own included, sends the next run
 * back to the table, which then writes the memo again. One file per network, under
 * {@code ROOT/networks/.firewall/}; written atomically without fsync: a torn or stale memo only
 * means one more reading of the table.
 *
 * <p>The namespace is named by its cookie, not its inode: a namespace's inode goes to the next
 * namespace made once it is gone, and that one's generations count from the start again, so a
 * root used in one namespace after another would take the memo of the last for the next.
 */
final class FirewallMemo {
    static final String DIR = ".firewall";

    private final Path file;
    private final NetlinkTransport netfilter;

    /** @param netfilter a NETLINK_NETFILTER transport of the namespace the firewall is in */
    FirewallMemo(Path dir, Network n, NetlinkTransport netfilter) {
        this.file = dir.resolve(n.id());
        this.netfilter = netfilter;
    }

    /**
     * "BOOT-ID COOKIE GENERATION": this boot, the namespace and its ruleset's generation now, as a
     * memo says them; null when one cannot be read (no nf_tables, a kernel before 5.14): no memo
     * then, the table is read every time.
     */
    String now() {
        try {
            long cookie = netfilter.netnsCookie("the firewall's network namespace");
            long generation = NftGeneration.read(netfilter);
            return Procs.sysctl(Path.of("/proc/sys/kernel/random/boot_id")).strip() + " "
                + Long.toUnsignedString(cookie) + " " + generation + "\n";
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Whether the memo says {@code now} ({@link #now}), and the bridge's sysctls are still on. */
    boolean holds(String now, String bridge) {
        if (now == null) {
            return false;
        }
        try {
            return Files.readString(file).equals(now) && sysctlsOn(bridge);
        } catch (IOException | RuntimeException e) {
            return false; // none yet, or unreadable: the table is read
        }
    }

    /** Remembers that the elements were found in place at {@code now} ({@link #now}). */
    void write(String now) {
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, now.getBytes(StandardCharsets.US_ASCII), false);
        } catch (IOException | RuntimeException e) {
            // the next run reads the table again
        }
    }

    /** Removes the memo of network {@code id}, if any. */
    static void forget(Path dir, String id) throws IOException {
        Files.deleteIfExists(dir.resolve(id));
    }

    /** What {@link Firewall#addNetwork} turns on besides the table (its sysctls), still on. */
    private static boolean sysctlsOn(String bridge) throws IOException {
        if (!Procs.sysctl(Path.of("/proc/sys/net/ipv4/ip_forward")).strip().equals("1")
            || !Procs.sysctl(Path.of("/proc/sys/net/ipv4/conf", bridge, "route_localnet")).strip().equals("1")) {
            return false;
        }
        Path ra = Path.of("/proc/sys/net/ipv6/conf", bridge, "accept_ra");
        return !Files.exists(ra) || Procs.sysctl(ra).strip().equals("0");
    }
}
