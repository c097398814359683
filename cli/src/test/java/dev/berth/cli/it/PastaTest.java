package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.linux.InNetns;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * --network pasta as root, in a network namespace of the test's own made to look like a host:
 * an interface with an address and a default route (pasta copies them into the container) and a
 * second address where the test's server listens. Checked from outside: the container's
 * namespace read with ip, its published port reached over TCP, pasta's process and mount.
 */
class PastaTest extends ContainerTestBase {
    static final String HOST_ADDRESS = "10.55.0.1";
    static final String SERVER_ADDRESS = "10.66.0.1";

    @BeforeEach
    void hostLikeNetns() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/pasta")), "pasta is missing: apt-get install passt (bin/test does)");
        berth.inOwnNetns();
        hostLike(berth.netns());
    }

    /** Links, addresses and a route in {@code netns}, which must not be the test's own. */
    static void hostLike(Path netns) throws Exception {
        assertNotEquals(Host.ownNs("net"), Files.readSymbolicLink(netns).toString(), "never the host's namespace");
        ip(netns, "link", "set", "lo", "up");
        ip(netns, "link", "add", "d0", "type", "veth", "peer", "name", "d0p");
        ip(netns, "addr", "add", HOST_ADDRESS + "/24", "dev", "d0");
        ip(netns, "link", "set", "d0", "up");
        ip(netns, "link", "set", "d0p", "up");
        ip(netns, "route", "add", "default", "via", "10.55.0.254");
        ip(netns, "link", "add", "d1", "type", "bridge");
        ip(netns, "addr", "add", SERVER_ADDRESS + "/24", "dev", "d1");
        ip(netns, "link", "set", "d1", "up");
    }

    @Test
    void aContainerOnPastaHasTheHostsAddressAndReachesAServerOfTheHost() throws Exception {
        try (ServerSocket server = server(berth.netns())) {
            Thread answer = answerOnce(server, "from-the-test-namespace");
            // wget, not nc: nc closes its sending side at once, and Debian 12's pasta then repeats
            // the answer endlessly (seen in its --pcap); clients that send and then read are fine
            String out = berth.ok("run", "--rm", "--network", "pasta", "host", "sh", "-c",
                "ip -4 -o addr show; cat /etc/resolv.conf; busybox wget -q -O - http://" + SERVER_ADDRESS + ":"
                    + server.getLocalPort() + "/");
            assertTrue(out.contains("inet " + HOST_ADDRESS + "/24"), "the host's address, copied: " + out);
            assertTrue(out.contains("nameserver 169.254.0.1"), "pasta's DNS forwarder: " + out);
            assertTrue(out.contains("from-the-test-namespace"), out);
            answer.join(5000);
        }
    }

    @Test
    void aPublishedPortAnswersAndPastaGoesWithTheContainer() throws Exception {
        Path www = Files.createDirectory(berth.root().resolve("www"));
        Files.writeString(www.resolve("index.html"), "published\n");
        // a client that speaks first: Debian 12's pasta completes a connection towards the
        // container only with the client's first bytes, so a server that greets first would wait
        berth.ok("run", "-d", "--name", "web", "--network", "pasta", "-p", "7000", "-v", www + ":/www", "host",
            "busybox", "httpd", "-f", "-p", "7000", "-h", "/www");
        assertEquals("pasta", berth.ok("inspect", "-f", "{{.HostConfig.NetworkMode}}", "web").strip());
        String ports = berth.ok("inspect", "-f", "{{.NetworkSettings.Ports}}", "web").strip();
        assertTrue(ports.startsWith("map[7000/tcp:[map[HostIp: HostPort:"), ports);
        int hostPort = Integer.parseInt(ports.substring(ports.lastIndexOf(':') + 1, ports.indexOf(']')));
        long pasta = Long.parseLong(berth.ok("inspect", "-f", "{{.NetworkSettings.Pasta.Pid}}", "web").strip());
        assertTrue(Host.running(pasta));
        assertTrue(Files.readString(Path.of("/proc/" + pasta + "/cmdline")).contains("-t\0" + hostPort + ":7000\0"));

        // pasta's interface, read in the container's namespace from outside
        long pid = Host.pid(berth, "web");
        Path inside = Path.of("/proc/" + pid + "/ns/net");
        assertNotEquals(Host.ns(pid, "net"), Files.readSymbolicLink(berth.netns()).toString());
        String addr = ip(inside, "-j", "-4", "addr", "show", "d0");
        assertTrue(addr.contains("\"local\":\"" + HOST_ADDRESS + "\""), addr);
        assertTrue(ip(inside, "-j", "route", "show", "default").contains("\"gateway\":\"10.55.0.254\""));

        assertEquals("published", fetch(berth.netns(), "127.0.0.1", hostPort));
        assertEquals("published", fetch(berth.netns(), SERVER_ADDRESS, hostPort));
        // the namespace kept for pasta: one bind mount, in the container's directory
        List<String> mounts = Host.mountsUnder(berth.root());
        assertEquals(1, mounts.size(), mounts.toString());
        assertTrue(mounts.get(0).endsWith("/ns/net"), mounts.toString());

        assertTrue(Host.processesNaming(berth.root()).contains(pasta), "the leak check sees pasta");
        berth.ok("network", "create", "--subnet", "10.56.0.0/24", "side");
        Berth.Result connect = berth.run("network", "connect", "side", "web");
        assertTrue(connect.err().contains("is on pasta"), "a pasta container takes no bridge: " + connect.err());
        berth.ok("network", "rm", "side");
        berth.ok("stop", "-t", "1", "web");
        assertTrue(awaitGone(pasta), "pasta outlived its container");
        assertEquals(List.of(), Host.mountsUnder(berth.root()));
        assertTrue(NetTools.refused(berth.netns(), "127.0.0.1", hostPort), () -> sockets(berth.netns()));
        berth.ok("rm", "web");
    }

    @Test
    void pastaLeftByAKilledMonitorGoesAtRm() throws Exception {
        berth.ok("run", "-d", "--name", "k", "--network", "pasta", "-p", "7001:7001", "host", "sleep", "60");
        long pasta = Long.parseLong(berth.ok("inspect", "-f", "{{.NetworkSettings.Pasta.Pid}}", "k").strip());
        long pid = Host.pid(berth, "k");
        ProcessHandle.of(Host.monitorPid(berth, "k")).ifPresent(ProcessHandle::destroyForcibly);
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        Thread.sleep(300);
        assertTrue(Host.running(pasta), "pasta holds the namespace while its file is there");
        assertEquals(1, Host.mountsUnder(berth.root()).size());
        berth.ok("rm", "-f", "k");
        assertTrue(awaitGone(pasta), "rm left pasta running");
        assertEquals(List.of(), Host.mountsUnder(berth.root()));
        assertTrue(NetTools.refused(berth.netns(), "127.0.0.1", 7001));
    }

    @Test
    void badRequestsAndAMissingPastaFailInOneLineAndLeaveNothing() throws Exception {
        Berth.Result missing = berth.runWithEnv(Map.of("PATH", "/nonexistent"), "run", "--rm", "--network", "pasta",
            "-p", "7002:80", "host", "true");
        assertEquals(125, missing.code());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        assertTrue(missing.err().contains("apt-get install passt"), missing.err());
        Berth.Result sctp = berth.run("run", "--rm", "--network", "pasta", "-p", "7003:80/sctp", "host", "true");
        assertEquals(125, sctp.code());
        assertTrue(sctp.err().contains("tcp and udp"), sctp.err());
        Berth.Result own = berth.run("run", "--rm", "--network", "pasta:--netns,/tmp/x", "host", "true");
        assertEquals(125, own.code());
        assertTrue(own.err().contains("--netns"), own.err());
        assertEquals(125, berth.run("run", "--rm", "--network", "pasta", "--ip", "10.55.0.9", "host", "true").code());
        Berth.Result all = berth.run("run", "--rm", "--network", "pasta", "-P", "--expose", "80", "host", "true");
        assertEquals(125, all.code());
        assertTrue(all.err().contains("-P needs a bridge network"), all.err());
        assertEquals(125, berth.run("run", "--rm", "--network", "pasta", "--network-alias", "a", "host", "true").code());
        Berth.Result noRoute = berth.run("run", "--rm", "-p", "80", "host", "true");
        assertTrue(noRoute.err().contains("--network pasta"), "root: -p names the networks it needs: " + noRoute.err());
        assertEquals("", berth.ok("ps", "-a", "-q"));
        assertEquals("", portsHeld(berth));
    }

    @Test
    void pastaFailingLeavesNothing() throws Exception {
        // a namespace with loopback only: pasta finds no interface to copy
        try (Berth bare = new Berth().inOwnNetns()) {
            Berth.Result r = bare.run("run", "--rm", "--network", "pasta", "-p", "7004:80", "host", "true");
            assertEquals(125, r.code());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("pasta failed") && r.err().contains("default route"), r.err());
            assertEquals("", bare.ok("ps", "-a", "-q"));
            assertEquals(List.of(), Host.mountsUnder(bare.root()));
            assertEquals(List.of(), awaitNoPasta(bare.root()));
            assertEquals("", portsHeld(bare));
            try (var dirs = Files.list(bare.root().resolve("containers"))) {
                assertEquals(0, dirs.count());
            }
        }
    }

    /** The host ports recorded for containers (HostPorts' file), empty when none. */
    static String portsHeld(Berth b) throws IOException {
        Path f = b.root().resolve("networks/.ports.json");
        String text = Files.exists(f) ? Files.readString(f) : "";
        return text.contains("HostPort") ? text : "";
    }

    /** Whether {@code pid} exits within two seconds (a zombie has: its sockets are closed). */
    static boolean awaitGone(long pid) throws InterruptedException {
        for (int i = 0; i < 200 && Host.running(pid); i++) {
            Thread.sleep(10);
        }
        return !Host.running(pid);
    }

    /** pasta processes (not zombies) started for containers under {@code root}, after a moment to quit. */
    static List<Long> awaitNoPasta(Path root) throws Exception {
        List<Long> left = Host.processesNaming(root);
        for (int i = 0; i < 100 && !left.isEmpty(); i++) {
            Thread.sleep(20);
            left = Host.processesNaming(root);
        }
        return left;
    }

    /** A server socket on the test namespace's second address. */
    static ServerSocket server(Path netns) throws Exception {
        return InNetns.call(netns, () -> new ServerSocket(0, 5, InetAddress.getByName(SERVER_ADDRESS)));
    }

    /** Answers one HTTP request with {@code body}. */
    static Thread answerOnce(ServerSocket server, String body) {
        return Thread.ofPlatform().start(() -> {
            try (Socket s = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    // the request and its headers
                }
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.0 200 OK\r\nContent-Length: " + (body.length() + 1) + "\r\n\r\n" + body + "\n")
                    .getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                // the test fails on the missing answer
            }
        });
    }

    /** The body of {@code GET /index.html} from HOST:PORT, connected from {@code netns}. */
    static String fetch(Path netns, String host, int port) throws Exception {
        return InNetns.call(netns, () -> {
            for (int i = 0; ; i++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(host, port), 2000);
                    s.setSoTimeout(2000);
                    s.getOutputStream().write("GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    return reply.substring(reply.indexOf("\r\n\r\n") + 4).strip();
                } catch (IOException e) {
                    if (i == 30) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
        });
    }

    private static String sockets(Path netns) {
        try {
            Process p = new ProcessBuilder("nsenter", "--net=" + netns, "ss", "-tanp").redirectErrorStream(true).start();
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    static String ip(Path netns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + netns, "ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + ": " + out);
        return out;
    }
}
