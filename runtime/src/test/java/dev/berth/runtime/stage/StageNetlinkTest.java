package dev.berth.runtime.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.linux.Errno;
import dev.berth.linux.ErrnoException;
import dev.berth.linux.NsKind;
import dev.berth.linux.netlink.Link;
import dev.berth.linux.netlink.NetlinkException;
import dev.berth.linux.netlink.NetlinkTransport;
import dev.berth.linux.netlink.Rtnl;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * F_NETLINK: the monitor's netlink sockets, in its own network namespace and in the container's,
 * between the set-up and the start. {@code /proc} is the oracle: the namespaces' inodes, the
 * sockets each namespace lists in {@code /proc/PID/net/netlink}, the monitor's open fds, and
 * {@code ip} in the container's namespace.
 */
class StageNetlinkTest {
    @Test
    void theMonitorsSocketsReachBothNamespacesAndCloseAtTheStart() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "a network namespace needs root");
        Program p = new Program()
            .add(Protocol.OP_NEW_NS, "a network namespace", Integer.toString(NsKind.NET.cloneFlag()))
            .add(Protocol.OP_EXEC, "a second", "/bin/sleep", "1");
        try (StageSession s = StageSession.start(p, null)) {
            long pid = s.awaitCreated();
            String ours = ns("self");
            assertNotEquals(ours, ns(Long.toString(pid)), "the container has a namespace of its own");

            try (Rtnl inside = Rtnl.over(s.netlink(true, NetlinkTransport.NETLINK_ROUTE));
                 Rtnl host = Rtnl.over(s.netlink(false, NetlinkTransport.NETLINK_ROUTE));
                 Rtnl own = Rtnl.open()) {
                assertEquals(List.of("lo"), names(inside.links().list()));
                assertEquals(names(own.links().list()), names(host.links().list()), "the monitor's are the host's");
                assertEquals(ours, ns(Long.toString(s.monitorPid())), "the monitor went back to its own namespace");
                try (NetlinkTransport mine = NetlinkTransport.open(NetlinkTransport.NETLINK_ROUTE)) {
                    long cookie = mine.netnsCookie("ours");
                    assertEquals(cookie, s.netlink(false, NetlinkTransport.NETLINK_ROUTE).netnsCookie("the host's"),
                        "the cookie of the monitor's namespace, which is ours");
                    assertNotEquals(cookie, s.netlink(true, NetlinkTransport.NETLINK_ROUTE).netnsCookie("the container's"));
                }

                inside.links().setUp("lo");
                assertTrue(ip(pid, "-o", "link", "show", "lo").contains("<LOOPBACK,UP"), "a change, seen from outside");
                NetlinkException e = assertThrows(NetlinkException.class, () -> inside.links().get("nothing0"));
                assertEquals(Errno.ENODEV, e.errno(), e.getMessage());
            }
            // protocol 1 is NETLINK_UNUSED: the kernel's socket() refuses it, with EPROTONOSUPPORT (93)
            ErrnoException unused = assertThrows(ErrnoException.class,
                () -> s.netlink(false, 1).send(ByteBuffer.allocate(16), "NETLINK_UNUSED"));
            assertEquals(93, unused.errno(), unused.getMessage());
            ErrnoException bad = assertThrows(ErrnoException.class,
                () -> s.netlink(true, 40).send(ByteBuffer.allocate(16), "protocol 40"));
            assertEquals(Errno.EINVAL, bad.errno(), "the monitor refuses what no socket can be");

            Set<String> netlink = netlinkSockets(pid);
            netlink.addAll(netlinkSockets(s.monitorPid()));
            Set<String> held = sockets(s.monitorPid());
            held.retainAll(netlink);
            assertEquals(2, held.size(), "one socket in each namespace, kept for the next request");

            s.go();
            s.awaitStarted();
            Set<String> after = sockets(s.monitorPid());
            after.retainAll(netlink);
            assertTrue(after.isEmpty(), "closed at the start: " + after);
            for (Frame f = s.next(); f != null && f.type() != Protocol.F_EXIT; f = s.next()) {
                // output, then the exit
            }
        }
    }

    private static String ns(String pid) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/net")).toString();
    }

    private static List<String> names(List<Link> links) {
        return links.stream().map(Link::name).toList();
    }

    /** The inodes of the netlink sockets of the namespace {@code pid} is in. */
    private static Set<String> netlinkSockets(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        List<String> lines = Files.readAllLines(Path.of("/proc/" + pid + "/net/netlink"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.trim().split("\\s+");
            inodes.add(f[f.length - 1]);
        }
        return inodes;
    }

    /** The inodes of the sockets {@code pid} has open. */
    private static Set<String> sockets(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return inodes;
    }

    private static String ip(long pid, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("nsenter", "--net=/proc/" + pid + "/ns/net", "ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }
}
