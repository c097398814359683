package dev.berth.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A host with berth's bridges, built in network namespaces of the test's own (never the
 * machine's network), with {@code ip} through nsenter:
 *
 * <pre>
 *   outside 192.0.2.2 --- 192.0.2.1 (h-out)  HOST  br-n1 10.77.1.1/24 --- c1 10.77.1.2
 *                                                 br-n2 10.77.2.1/24 --- c2 10.77.2.2
 *                                                 br-n3 10.77.3.1/24 --- c3 10.77.3.2
 * </pre>
 *
 * The outside namespace has no route to the containers' subnets, so a container reaches it only
 * through the host's masquerade. Each namespace can serve HTTP with busybox httpd, whose CGI
 * answers with the address the request came from.
 */
final class Topology implements AutoCloseable {
    final Netns host;
    final Netns outside;
    final Netns c1;
    final Netns c2;
    final Netns c3;
    private final List<Netns> all = new ArrayList<>();
    private final Path www;

    Topology() throws Exception {
        try {
            host = add(new Netns());
            outside = add(new Netns());
            c1 = add(new Netns());
            c2 = add(new Netns());
            c3 = add(new Netns());
            www = Files.createTempDirectory("berth-fw-www");
            Path cgi = Files.createDirectories(www.resolve("cgi-bin")).resolve("ip");
            // httpd listens on IPv6 too, and writes an IPv4 client as [::ffff:a.b.c.d]
            Files.writeString(cgi, """
                #!/bin/sh
                a=${REMOTE_ADDR#\\[::ffff:}
                printf 'Content-Type: text/plain\\r\\n\\r\\n%s\\n' "${a%\\]}"
                """);
            Files.setPosixFilePermissions(cgi, PosixFilePermissions.fromString("rwxr-xr-x"));

            host.sh("ip", "link", "add", "h-out", "type", "veth", "peer", "name", "eth0", "netns", String.valueOf(outside.pid()));
            host.sh("ip", "addr", "add", "192.0.2.1/24", "dev", "h-out");
            host.sh("ip", "link", "set", "h-out", "up");
            outside.sh("ip", "addr", "add", "192.0.2.2/24", "dev", "eth0");
            outside.sh("ip", "link", "set", "eth0", "up");
            container(c1, "br-n1", "10.77.1");
            container(c2, "br-n2", "10.77.2");
            container(c3, "br-n3", "10.77.3");
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    private Netns add(Netns ns) {
        all.add(ns);
        return ns;
    }

    /** A bridge NET.1/24 on the host and a container NET.2 behind it, its default route via the bridge. */
    private void container(Netns c, String bridge, String net) throws Exception {
        String hostEnd = "v" + bridge;
        host.sh("ip", "link", "add", bridge, "type", "bridge");
        host.sh("ip", "addr", "add", net + ".1/24", "dev", bridge);
        host.sh("ip", "link", "set", bridge, "up");
        host.sh("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", String.valueOf(c.pid()));
        host.sh("ip", "link", "set", hostEnd, "master", bridge);
        // what the engine does for each container, as docker without its proxy: with
        // br_netfilter, a container's packet DNAT'ed back to its own network is bridged back out
        // of the port it came in by
        host.sh("ip", "link", "set", hostEnd, "type", "bridge_slave", "hairpin", "on");
        host.sh("ip", "link", "set", hostEnd, "up");
        c.sh("ip", "addr", "add", net + ".2/24", "dev", "eth0");
        c.sh("ip", "link", "set", "eth0", "up");
        c.sh("ip", "route", "add", "default", "via", net + ".1");
    }

    /** Starts busybox httpd in {@code ns} on {@code port} and waits until it answers there. */
    void serveHttp(Netns ns, int port) throws Exception {
        ns.start("/bin/busybox", "httpd", "-f", "-p", String.valueOf(port), "-h", www.toString());
        for (int i = 0; i < 100; i++) {
            if (get(ns, "127.0.0.1", port, 2).rc() == 0) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("busybox httpd did not start in " + ns.path);
    }

    /** From {@code from}, GETs the CGI at {@code ip:port}: the output is the address the server saw. */
    static Netns.Result get(Netns from, String ip, int port, int seconds) throws Exception {
        return from.tryRun("timeout", String.valueOf(seconds), "/bin/busybox", "wget", "-q", "-O", "-",
            "http://" + ip + ":" + port + "/cgi-bin/ip");
    }

    @Override
    public void close() throws Exception {
        for (Netns ns : all.reversed()) {
            ns.close();
        }
        if (www != null) {
            try (Stream<Path> files = Files.walk(www)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // a temporary directory left behind is not worth failing the test for
            }
        }
    }
}
