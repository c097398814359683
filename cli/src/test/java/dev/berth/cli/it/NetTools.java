package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.linux.InNetns;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The oracles of the network tests: iproute2 and nft, run in a given network namespace. */
final class NetTools {
    private NetTools() {}

    static String ip(Path netns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + netns, "ip"));
        cmd.addAll(List.of(args));
        return command(cmd.toArray(String[]::new));
    }

    /** berth's firewall table in {@code netns}, or "" when there is none. */
    static String nft(Path netns) throws Exception {
        String all = command("nsenter", "--net=" + netns, "nft", "list", "tables");
        return all.contains("table ip berth") ? command("nsenter", "--net=" + netns, "nft", "list", "table", "ip", "berth") : "";
    }

    static String command(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + ": " + out);
        return out;
    }

    /** One line from HOST:PORT, connected from network namespace {@code netns}; retried for 3 s. */
    static String fetch(Path netns, String host, int port) throws Exception {
        return InNetns.call(netns, () -> {
            for (int i = 0; ; i++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(host, port), 2000);
                    s.setSoTimeout(2000);
                    return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                } catch (IOException e) {
                    if (i == 30) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
        });
    }

    static boolean refused(Path netns, String host, int port) throws Exception {
        return InNetns.call(netns, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 2000);
                return false;
            } catch (IOException e) {
                return true;
            }
        });
    }

    /** Runs berth until it succeeds with output: a listener started with exec -d may need a moment. */
    static String awaitOk(Berth berth, String... args) throws Exception {
        Berth.Result r = null;
        for (int i = 0; i < 50; i++) {
            r = berth.run(args);
            if (r.code() == 0 && !r.out().isBlank()) {
                return r.out();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("berth " + String.join(" ", args) + ": " + r.code() + " " + r.err());
    }

    /** A free TCP port on 127.0.0.1 (free when asked: a test's server binds it right after). */
    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Waits until {@code p} (a docker-registry) listens on 127.0.0.1:{@code port}. */
    static void waitForPort(int port, Process p) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (!p.isAlive()) {
                throw new IllegalStateException("docker-registry exited");
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("docker-registry did not listen on " + port);
    }
}
