package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker push} and {@code docker search} through {@code berth daemon}, against a
 * docker-registry on 127.0.0.1 with a login, and a stub index of the test's own for what a
 * distribution registry does not serve (the v1 search API, or nothing at all).
 */
class DaemonRegistryTest extends DaemonTestBase {
    @TempDir
    Path tmp;

    @Test
    void pushPullByDigestRunAndSearch() throws Exception {
        for (String tool : new String[] {"/usr/bin/docker-registry", "/usr/bin/htpasswd"}) {
            assumeTrue(Files.isExecutable(Path.of(tool)), tool + " is missing (bin/test installs it)");
        }
        TestImage.load(berth.root());
        Files.writeString(tmp.resolve("htpasswd"), exec(List.of("htpasswd", "-Bbn", "alice", "s3cret"), null).out());
        int port = NetTools.freePort();
        String host = "127.0.0.1:" + port;
        Files.writeString(tmp.resolve("config.yml"), "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: "
            + tmp.resolve("storage") + "\nhttp:\n  addr: " + host + "\n  secret: t\nauth:\n  htpasswd:\n    realm: t\n"
            + "    path: " + tmp.resolve("htpasswd") + "\n");
        Process registry = new ProcessBuilder("/usr/bin/docker-registry", "serve", tmp.resolve("config.yml").toString())
            .redirectErrorStream(true).redirectOutput(tmp.resolve("registry.log").toFile()).start();
        try {
            NetTools.waitForPort(port, registry);
            String config = tmp.resolve("docker-config").toString();
            String since = String.valueOf(System.currentTimeMillis() / 1000);
            ok("tag", "busybox", host + "/bb:1");

            // no credentials: dockerd's first line, then the registry's refusal as the error
            Berth.Result anon = dockerWith(config, null, "push", host + "/bb:1");
            assertEquals(1, anon.code(), anon.out());
            assertTrue(anon.out().startsWith("The push refers to repository [" + host + "/bb]\n"), anon.out());
            assertTrue(anon.err().contains("unauthorized"), anon.err());

            Berth.Result login = dockerWith(config, "s3cret\n", "login", "-u", "alice", "--password-stdin", host);
            assertEquals(0, login.code(), login.err());
            Berth.Result push = dockerWith(config, null, "push", host + "/bb:1");
            assertEquals(0, push.code(), push.err() + log());
            List<String> lines = TestImage.lines(push.out());
            assertEquals("The push refers to repository [" + host + "/bb]", lines.get(0), push.out());
            assertEquals(2, lines.stream().filter(l -> l.matches("[0-9a-f]{12}: Pushed")).count(), push.out());
            String last = lines.get(lines.size() - 1);
            assertTrue(last.matches("1: digest: sha256:[0-9a-f]{64} size: [0-9]+"), push.out());
            String digest = last.split(" ")[2];
            // the registry holds the manifest under that digest, with that size
            Berth.Result head = exec(List.of("curl", "-sS", "-I", "-u", "alice:s3cret", "-H",
                "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
                "http://" + host + "/v2/bb/manifests/1"), null);
            assertTrue(head.out().toLowerCase().contains("docker-content-digest: " + digest), head.out());
            assertTrue(head.out().toLowerCase().contains("content-length: " + last.split(" ")[4]), head.out());

            // again: every layer is there already
            ok("tag", "busybox", host + "/bb:2");
            Berth.Result again = dockerWith(config, null, "push", host + "/bb:2");
            assertEquals(0, again.code(), again.err());
            assertEquals(2, TestImage.lines(again.out()).stream().filter(l -> l.endsWith(": Layer already exists")).count(),
                again.out());
            assertTrue(again.out().endsWith("2: digest: " + digest + " " + last.split(" ", 4)[3] + "\n"), again.out());
            // every tag of the repository (-a), and a tag that is not there
            Berth.Result all = dockerWith(config, null, "push", "-a", host + "/bb");
            assertEquals(0, all.code(), all.err());
            assertTrue(all.out().contains("\n1: digest: " + digest) && all.out().contains("\n2: digest: " + digest), all.out());
            Berth.Result missing = dockerWith(config, null, "push", host + "/bb:nope");
            assertEquals(1, missing.code());
            assertTrue(missing.err().contains("tag does not exist: " + host + "/bb:nope"), missing.err());

            // pulled back by digest into an empty store, and run
            String id = ok("image", "inspect", "-f", "{{.Id}}", "busybox").strip();
            ok("rmi", "-f", id);
            assertEquals("", ok("images", "-q"));
            Berth.Result pull = dockerWith(config, null, "pull", host + "/bb@" + digest);
            assertEquals(0, pull.code(), pull.err());
            assertEquals(id, ok("image", "inspect", "-f", "{{.Id}}", host + "/bb@" + digest).strip(), "the same image");
            Berth.Result run = dockerWith(config, null, "run", "--rm", host + "/bb@" + digest, "back");
            assertEquals(0, run.code(), run.err());
            assertEquals("ep back", run.out().strip()); // the image's entrypoint is /bin/echo ep
            String events = ok("events", "--since", since, "--until", String.valueOf(System.currentTimeMillis() / 1000 + 1),
                "--filter", "type=image", "--filter", "event=push", "--format", "{{.Actor.ID}}");
            assertTrue(events.contains(host + "/bb:1") && events.contains(host + "/bb:2"), events);

            // search: this registry has no v1 search API, so its catalog is filtered
            assertEquals(host + "/bb\n", dockerWith(config, null, "search", "--format", "{{.Name}}", host + "/b").out());
            assertEquals("", dockerWith(config, null, "search", "--format", "{{.Name}}", host + "/zz").out());
            assertEquals("", dockerWith(config, null, "search", "--format", "{{.Name}}", "--filter", "stars=1",
                host + "/b").out());
            Berth.Result badFilter = dockerWith(config, null, "search", "--filter", "bogus=1", host + "/b");
            assertEquals(1, badFilter.code());
            assertTrue(badFilter.err().contains("invalid filter 'bogus'"), badFilter.err());
            Berth.Result badLimit = dockerWith(config, null, "search", "--limit", "101", host + "/b");
            assertEquals(1, badLimit.code());
            assertTrue(badLimit.err().contains("limit 101 is outside the range of [1, 100]"), badLimit.err());
        } finally {
            registry.destroy();
            if (!registry.waitFor(10, TimeUnit.SECONDS)) {
                registry.destroyForcibly();
            }
        }
    }

    @Test
    void searchAsksTheV1ApiFirstAndSaysWhenThereIsNothingToAsk() throws Exception {
        boolean[] v1 = {true};
        List<String> queries = new java.util.concurrent.CopyOnWriteArrayList<>();
        ServerSocket index = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread.ofVirtual().start(() -> serveIndex(index, v1, queries));
        try {
            String host = "127.0.0.1:" + index.getLocalPort();
            assertEquals("team/app 7 [OK]|team/app-dev 1 |", ok("search", "--format",
                "{{.Name}} {{.StarCount}} {{.IsOfficial}}", host + "/app").replace('\n', '|'));
            assertEquals(List.of("q=app&n=25"), queries, "docker's query and default limit");
            assertEquals("team/app\n", ok("search", "--format", "{{.Name}}", "--filter", "stars=5", host + "/app"));
            assertEquals("team/app-dev\n", ok("search", "--format", "{{.Name}}", "--filter", "is-official=false",
                host + "/app"));
            assertEquals("team/app\n", ok("search", "--format", "{{.Name}}", "--limit", "1", host + "/app"));
            String table = ok("search", host + "/app");
            assertTrue(table.startsWith("NAME ") && table.contains("the app"), table);

            v1[0] = false; // now neither /v1/search nor /v2/_catalog
            Berth.Result none = docker(null, "search", host + "/app");
            assertEquals(1, none.code(), none.out());
            assertEquals("Error response from daemon: " + host + " serves neither docker's search API (/v1/search) nor a"
                + " catalog (/v2/_catalog), so it cannot be searched: pull the repository by its name\n", none.err());
        } finally {
            index.close();
        }
    }

    /**
     * A stub index on plain http, a connection per request: {@code /v2/} answers 200, {@code
     * /v1/search} two results while {@code v1[0]}, anything else 404. A TLS hello (the client
     * tries https first) gets a 400 at once, as Go's server answers it.
     */
    private static void serveIndex(ServerSocket server, boolean[] v1, List<String> queries) {
        for (;;) {
            try (Socket c = server.accept()) {
                var in = c.getInputStream();
                OutputStream out = c.getOutputStream();
                int first = in.read();
                if (first < 'A' || first > 'Z') {
                    out.write("HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    continue;
                }
                StringBuilder head = new StringBuilder().append((char) first);
                while (!head.toString().endsWith("\r\n\r\n")) {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    head.append((char) b);
                }
                String target = head.toString().split(" ")[1];
                String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
                String body;
                String status;
                if (path.equals("/v2/")) {
                    status = "200 OK";
                    body = "{}";
                } else if (path.equals("/v1/search") && v1[0]) {
                    queries.add(target.substring(target.indexOf('?') + 1));
                    status = "200 OK";
                    body = "{\"num_results\":2,\"query\":\"app\",\"results\":["
                        + "{\"name\":\"team/app\",\"description\":\"the app\",\"star_count\":7,\"is_official\":true,"
                        + "\"is_automated\":false},{\"name\":\"team/app-dev\",\"description\":\"\",\"star_count\":1,"
                        + "\"is_official\":false,\"is_automated\":true}]}";
                } else {
                    status = "404 Not Found";
                    body = "404 page not found\n";
                }
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(b);
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    // ---- helpers ----

    /** docker with a config directory of the test's own (credentials), and stdin. */
    private Berth.Result dockerWith(String config, String input, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "DOCKER_CONFIG=" + config, DOCKER_CLI.toString(), "-H",
            "unix://" + socket));
        cmd.addAll(List.of(args));
        return exec(cmd, input == null ? "" : input);
    }

}
