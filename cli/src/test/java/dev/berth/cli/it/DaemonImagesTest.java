package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.image.ImageStore;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image endpoints of {@code berth daemon}, driven by the real docker CLI: what docker prints
 * and exits with is the oracle, and the store under the daemon's root (read by the image module
 * directly) is checked behind it.
 */
class DaemonImagesTest extends DaemonTestBase {
    @TempDir
    Path tmp;

    /** A rootfs tarball: static busybox with sh, cat, sleep and echo, imported through the daemon as {@code name}. */
    private String importBusybox(String name, String... changes) throws Exception {
        Path tar = tmp.resolve("rootfs.tar");
        if (!Files.exists(tar)) {
            Path r = tmp.resolve("rootfs");
            Files.createDirectories(r.resolve("bin"));
            Files.copy(Path.of(busybox()).resolve("bin/busybox"), r.resolve("bin/busybox"));
            for (String applet : List.of("sh", "cat", "sleep", "echo")) {
                Files.createSymbolicLink(r.resolve("bin").resolve(applet), Path.of("busybox"));
            }
            run("tar", "-C", r.toString(), "-cf", tar.toString(), ".");
        }
        List<String> args = new ArrayList<>(List.of("import"));
        for (String c : changes) {
            args.add("-c");
            args.add(c);
        }
        args.add(tar.toString());
        if (!name.isEmpty()) {
            args.add(name);
        }
        return ok(args.toArray(new String[0])).strip();
    }

    @Test
    void listInspectFiltersAndInfo() throws Exception {
        TestImage.load(berth.root()); // busybox:latest, labels a=image and b=image
        String id = importBusybox("plain:1");
        assertTrue(id.startsWith("sha256:"), id);
        assertEquals(id, ok("image", "inspect", "-f", "{{.Id}}", "plain:1").strip());
        String bb = ok("image", "inspect", "-f", "{{.Id}} {{.RepoTags}} {{.Config.Labels.a}} {{.Os}}", "busybox").strip();
        assertTrue(bb.endsWith(" [busybox:latest] image linux"), bb);
        assertEquals("host:latest", ok("image", "inspect", "-f", "{{index .RepoTags 0}}", "host").strip(), "host stays");

        List<String> rows = TestImage.lines(ok("images", "--format", "{{.Repository}}:{{.Tag}}"));
        assertEquals(List.of("plain:1", "busybox:latest"), rows, "newest first");
        assertEquals(List.of("busybox"), TestImage.lines(ok("image", "ls", "--filter", "reference=busy*",
            "--format", "{{.Repository}}")));
        assertEquals(List.of("busybox"), TestImage.lines(ok("images", "--filter", "label=a=image", "--format",
            "{{.Repository}}")));
        assertEquals(List.of("busybox"), TestImage.lines(ok("images", "--filter", "before=plain:1", "--format",
            "{{.Repository}}")));
        assertEquals(List.of("plain"), TestImage.lines(ok("images", "--filter", "since=busybox", "--format",
            "{{.Repository}}")));
        assertEquals("2", ok("info", "--format", "{{.Images}}").strip());

        // an untagged image is dangling, and shows as docker shows it
        ok("tag", "plain:1", "other:2");
        ok("rmi", "plain:1", "other:2");
        assertEquals("1", ok("info", "--format", "{{.Images}}").strip());
        String dangling = importBusybox("", "LABEL x=1");
        assertEquals(dangling + "\n", ok("images", "-q", "--no-trunc", "--filter", "dangling=true"));
        assertEquals("<none> <none>\nbusybox latest\n", ok("images", "--format", "{{.Repository}} {{.Tag}}"));
        assertEquals("busybox\n", ok("images", "--filter", "dangling=false", "--format", "{{.Repository}}"));

        Berth.Result missing = docker(null, "image", "inspect", "nope");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("No such image: nope"), missing.err());
        assertEquals("404 {\"message\":\"No such image: nope:latest\"}", status(curl("-w", "\n%{http_code}",
            "http://d/v1.51/images/nope/json")));
        assertTrue(status(curl("-w", "\n%{http_code}", "http://d/v1.51/images/json?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D"))
            .startsWith("400 "), "an unknown filter is refused");
    }

    @Test
    void saveLoadTagHistoryRmi() throws Exception {
        String id = importBusybox("bb:1", "CMD [\"/bin/sh\"]");
        ok("tag", "bb:1", "bb:2");
        Path archive = tmp.resolve("bb.tar");
        sh(docker() + " save bb > " + archive);
        String names = sh("tar -tf " + archive);
        assertTrue(names.contains("manifest.json") && names.contains("index.json"), names);
        String rmi = ok("rmi", "bb:1", "bb:2");
        assertTrue(rmi.contains("Untagged: bb:1\nUntagged: bb:2\n") && rmi.contains("Deleted: " + id), rmi);
        assertEquals("", ok("images", "-q"));
        assertEquals(0, ImageStore.open(berth.root()).refs().tags().size(), "the store is empty");
        String loaded = sh(docker() + " load < " + archive);
        assertEquals("Loaded image: bb:1\nLoaded image: bb:2\n", loaded);
        assertEquals(id, ok("image", "inspect", "-f", "{{.Id}}", "bb:2").strip(), "the same image came back");
        assertEquals("hi", ok("run", "--rm", "bb:1", "sh", "-c", "echo hi").strip());

        // two images in one archive (GET /images/get?names=...)
        String other = importBusybox("other:1", "ENV X=1");
        Path two = tmp.resolve("two.tar");
        sh(docker() + " save -o " + two + " bb:1 other:1");
        ok("rmi", "-f", id, other);
        assertEquals("", ok("images", "-q"));
        Berth.Result quiet = docker(null, "load", "-q", "-i", two.toString());
        assertEquals(0, quiet.code(), quiet.err());
        assertEquals(List.of("Loaded image: bb:1", "Loaded image: other:1"), TestImage.lines(quiet.out()).stream().sorted().toList());
        Berth.Result missing = docker(null, "save", "-o", tmp.resolve("x.tar").toString(), "bb:1", "nope:3");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("No such image: nope:3"), missing.err());
        Berth.Result bad = docker("not a tar", "load");
        assertEquals(1, bad.code(), bad.out());
        assertTrue(bad.err().startsWith("Error response from daemon: "), bad.err());

        List<String> history = TestImage.lines(ok("history", "--no-trunc", "--format", "{{.ID}} {{.Comment}}", "bb:1"));
        assertEquals(List.of(id + " Imported from -"), history);

        // a container uses the image: its last tag and its id are refused, as dockerd says
        ok("tag", "bb:1", "bb:2");
        ok("run", "-d", "--name", "user", "bb:1", "sh", "-c", "sleep 300");
        ok("rmi", "bb:2"); // not the last tag: only untagged
        Berth.Result last = docker(null, "rmi", "bb:1");
        assertEquals(1, last.code());
        assertTrue(last.err().contains("conflict: unable to remove repository reference \"bb:1\" (must force) - container "),
            last.err());
        assertEquals("409", curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE",
            "http://d/v1.51/images/" + id.substring(7, 19) + "?force=1").out(), "a running container: not even forced");
        Berth.Result byId = docker(null, "rmi", "-f", id.substring(7, 19));
        assertTrue(byId.err().contains("(cannot be forced) - image is being used by running container"), byId.err());
        ok("rm", "-f", "user");
        String forced = ok("rmi", "-f", "bb:1");
        assertTrue(forced.contains("Untagged: bb:1") && forced.contains("Deleted: " + id), forced);
    }

    /** Regular files (a hard link once) and symlinks' targets: what docker's classic store counts. */
    private static long treeSize(Path tree) throws Exception {
        java.util.Set<Object> seen = new java.util.HashSet<>();
        long total = 0;
        try (Stream<Path> walk = Files.walk(tree)) {
            for (Path p : walk.toList()) {
                if (Files.isSymbolicLink(p)) {
                    total += Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8).length;
                } else if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) && seen.add(Files.getAttribute(p, "unix:ino"))) {
                    total += Files.size(p);
                }
            }
        }
        return total;
    }

    /** {@code Size} of the image {@code name} in the daemon's {@code GET /images/json}. */
    private long imageSize(String name) throws Exception {
        for (Object o : (List<?>) dev.berth.runtime.json.Json.parse(curl("http://d/v1.51/images/json").out())) {
            java.util.Map<?, ?> img = (java.util.Map<?, ?>) o;
            if (((List<?>) img.get("RepoTags")).contains(name)) {
                return ((Number) img.get("Size")).longValue();
            }
        }
        throw new AssertionError("no image " + name);
    }

    @Test
    void importCommitPruneAndDf() throws Exception {
        String id = importBusybox("base:1", "ENV A=1", "WORKDIR /tmp");
        assertEquals("[A=1] /tmp",
            ok("image", "inspect", "-f", "{{.Config.Env}} {{.Config.WorkingDir}}", "base:1").strip());
        ok("run", "-d", "--name", "c1", "base:1", "sh", "-c", "echo changed > /file; sleep 300");
        for (int i = 0; i < 100 && !ok("exec", "c1", "cat", "/file").contains("changed"); i++) {
            Thread.sleep(50);
        }
        String committed = ok("commit", "-a", "me", "-m", "msg", "-c", "CMD [\"cat\", \"/file\"]", "c1", "snap:v1").strip();
        assertTrue(committed.startsWith("sha256:"), committed);
        assertEquals("me msg [cat /file] 2", ok("image", "inspect", "-f",
            "{{.Author}} {{.Comment}} {{.Config.Cmd}} {{len .RootFS.Layers}}", "snap:v1").strip());
        assertEquals("changed", ok("run", "--rm", "snap:v1").strip(), "the commit carries the container's file");
        Berth.Result nobody = docker(null, "commit", "nosuch", "x:1");
        assertEquals(1, nobody.code());
        assertTrue(nobody.err().toLowerCase().contains("no such container: nosuch"), nobody.err());

        // system df: two images, one in use by a running container; its directory has bytes
        List<String> df = TestImage.lines(ok("system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Active}}"));
        assertEquals(List.of("Images 2 1", "Containers 1 1", "Local Volumes 0 0", "Build Cache 0 0"), df);
        ok("volume", "create", "dfvol");
        String dfJson = curl("http://d/v1.51/system/df").out();
        assertTrue(dfJson.contains("\"Name\":\"dfvol\"") && dfJson.contains("\"UsageData\":{\"RefCount\":0,")
            && dfJson.contains("\"BuildCache\":[]"), dfJson);
        ok("volume", "rm", "dfvol");
        assertTrue(dfJson.matches("(?s).*\"SizeRw\":[1-9].*"), dfJson);
        // sizes as docker 28's classic store gives them: the layers unpacked, measured on the
        // tree the base layer was made from; snap:v1 has that layer and its own
        long base = treeSize(tmp.resolve("rootfs"));
        assertEquals(base + "\n", ok("image", "inspect", "-f", "{{.Size}}", "base:1"));
        long snap = Long.parseLong(ok("image", "inspect", "-f", "{{.Size}}", "snap:v1").strip());
        assertTrue(snap >= base + "changed\n".length(), snap + " vs " + base);
        assertEquals(base, imageSize("base:1"));
        assertEquals(snap, imageSize("snap:v1"));
        String mb = new java.math.BigDecimal(base / 1e6).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
        assertEquals(mb + "MB\n", ok("images", "--format", "{{.Size}}", "base:1"), "docker's own rendering");
        java.util.Map<String, Object> du = dev.berth.runtime.json.Json.parseObject(dfJson);
        assertEquals(snap, ((Number) du.get("LayersSize")).longValue(), "the base layer counted once");
        for (Object o : (List<?>) du.get("Images")) {
            java.util.Map<?, ?> img = (java.util.Map<?, ?>) o;
            assertEquals(base, ((Number) img.get("SharedSize")).longValue(), "the base layer is shared: " + img);
            long size = ((Number) img.get("Size")).longValue();
            assertTrue(size == base || size == snap, img.toString());
        }

        // prune: dangling only, then -a (the image a container uses stays)
        importBusybox("", "LABEL keep=no");
        importBusybox("", "LABEL keep=yes");
        String pruned = ok("image", "prune", "-f", "--filter", "label=keep=no");
        assertTrue(pruned.startsWith("Deleted Images:\ndeleted: sha256:"), pruned);
        assertEquals(3, ok("images", "-q").lines().count(), "the labelled dangling image alone went");
        String all = ok("image", "prune", "-a", "-f");
        assertTrue(all.contains("Total reclaimed space:"), all);
        assertEquals(List.of(id.substring(7, 19)), TestImage.lines(ok("images", "-q")), "base:1 stays for c1");
        assertNotEquals("Total reclaimed space: 0B", all.strip().lines().reduce((a, b) -> b).orElse(""), all);
    }

    @Test
    void missingImageIsPulledByRunAndLoginGoesThroughTheDaemon() throws Exception {
        for (String tool : new String[] {"/usr/bin/docker-registry", "/usr/bin/skopeo"}) {
            assumeTrue(Files.isExecutable(Path.of(tool)), tool + " is missing (bin/test installs it)");
        }
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/htpasswd")), "htpasswd (apache2-utils) is missing");
        importBusybox("local:1", "CMD [\"sh\", \"-c\", \"echo from-registry\"]");
        Path archive = tmp.resolve("local.tar");
        sh(docker() + " save -o " + archive + " local:1");
        ok("rmi", "local:1");
        Files.writeString(tmp.resolve("htpasswd"), sh("htpasswd -Bbn alice s3cret"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        String host = "127.0.0.1:" + port;
        Files.writeString(tmp.resolve("config.yml"), "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: "
            + tmp.resolve("storage") + "\nhttp:\n  addr: " + host + "\n  secret: t\nauth:\n  htpasswd:\n    realm: t\n"
            + "    path: " + tmp.resolve("htpasswd") + "\n");
        Process registry = new ProcessBuilder("/usr/bin/docker-registry", "serve", tmp.resolve("config.yml").toString())
            .redirectErrorStream(true).redirectOutput(tmp.resolve("registry.log").toFile()).start();
        try {
            NetTools.waitForPort(port, registry);
            sh("skopeo copy --quiet --dest-tls-verify=false --dest-creds alice:s3cret docker-archive:" + archive
                + " docker://" + host + "/app:1");
            String config = tmp.resolve("docker-config").toString();
            String image = host + "/app:1";

            // without credentials the pull is refused (404, as dockerd's "pull access denied": no login prompt)
            Berth.Result anon = dockerWith(config, null, "pull", image);
            assertEquals(1, anon.code(), anon.out());
            assertTrue(anon.err().contains("pull access denied for " + image), anon.err());

            // login through the daemon: POST /auth checks against the registry
            Berth.Result wrong = dockerWith(config, "nope\n", "login", "-u", "alice", "--password-stdin", host);
            assertEquals(1, wrong.code(), wrong.out());
            assertTrue(wrong.err().contains("Error response from daemon: unauthorized"), wrong.err());
            assertEquals("401", curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
                "--data", "{\"username\":\"alice\",\"password\":\"bad\",\"serveraddress\":\"" + host + "\"}",
                "http://d/v1.51/auth").out());
            assertEquals("{\"IdentityToken\":\"\",\"Status\":\"Login Succeeded\"}", curl("-H", "Content-Type: application/json",
                "--data", "{\"username\":\"alice\",\"password\":\"s3cret\",\"serveraddress\":\"" + host + "\"}",
                "http://d/v1.51/auth").out().strip());
            Berth.Result login = dockerWith(config, "s3cret\n", "login", "-u", "alice", "--password-stdin", host);
            assertEquals(0, login.code(), login.err());
            assertEquals("Login Succeeded", login.out().strip());

            // docker run of an image not pulled yet: 404 "No such image", the CLI pulls with its credentials, runs
            Berth.Result run = dockerWith(config, null, "run", "--rm", image);
            assertEquals(0, run.code(), run.err() + log());
            assertEquals("from-registry", run.out().strip());
            assertTrue(run.err().startsWith("Unable to find image '" + image + "' locally\n"), run.err());
            assertTrue(run.err().contains("Status: Downloaded newer image for " + image), run.err());

            // docker pull: dockerd's lines, then the reference
            ok("rmi", image);
            Berth.Result pull = dockerWith(config, null, "pull", image);
            assertEquals(0, pull.code(), pull.err());
            List<String> lines = TestImage.lines(pull.out());
            assertEquals("1: Pulling from app", lines.get(0), pull.out());
            assertTrue(lines.get(lines.size() - 3).startsWith("Digest: sha256:"), pull.out());
            assertEquals(List.of("Status: Downloaded newer image for " + image, image),
                lines.subList(lines.size() - 2, lines.size()), pull.out());
            assertTrue(dockerWith(config, null, "pull", image).out().contains("Status: Image is up to date for " + image));
            Berth.Result unknown = dockerWith(config, null, "pull", host + "/app:nope");
            assertEquals(1, unknown.code());
            assertTrue(unknown.err().contains("manifest unknown"), unknown.err());

            // a blob that breaks after the head: the error comes as dockerd's errorDetail line
            ok("rmi", image);
            try (Stream<Path> blobs = Files.walk(tmp.resolve("storage"))) {
                for (Path p : blobs.filter(p -> p.getFileName().toString().equals("data")).toList()) {
                    if (Files.size(p) > 100_000) {
                        Files.write(p, "tampered".getBytes(StandardCharsets.UTF_8)); // the layer
                    }
                }
            }
            String auth = Base64.getUrlEncoder().encodeToString("{\"username\":\"alice\",\"password\":\"s3cret\"}"
                .getBytes(StandardCharsets.UTF_8));
            Berth.Result stream = curl("-i", "-X", "POST", "-H", "X-Registry-Auth: " + auth,
                "http://d/v1.51/images/create?fromImage=" + host + "/app&tag=1");
            assertTrue(stream.out().startsWith("HTTP/1.1 200 OK"), stream.out());
            assertTrue(stream.out().contains("{\"status\":\"Pulling from app\",\"id\":\"1\"}\r\n"), stream.out());
            assertTrue(stream.out().contains("{\"errorDetail\":{\"message\":"), stream.out());
            assertFalse(ImageStore.open(berth.root()).refs().tags().containsKey(image), "nothing tagged after a failed pull");
        } finally {
            registry.destroy();
            if (!registry.waitFor(10, TimeUnit.SECONDS)) {
                registry.destroyForcibly();
            }
        }
    }

    @Test
    void buildIsRefusedClearlyAndCreateNamesTheMissingImage() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\n");
        Berth.Result build = docker(null, "build", "-t", "x", ctx.toString());
        assertEquals(1, build.code(), build.out());
        assertTrue(build.err().contains("Error response from daemon: berth does not build images: build with buildah"),
            build.err());
        assertEquals("501", curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "http://d/v1.51/build").out());
        assertEquals("404 {\"message\":\"No such image: nothere:latest\"}", status(curl("-w", "\n%{http_code}",
            "-H", "Content-Type: application/json", "--data", "{\"Image\":\"nothere\",\"Cmd\":[\"true\"]}",
            "http://d/v1.51/containers/create")));
        Berth.Result create = docker(null, "create", "--pull", "never", "nothere");
        assertEquals(1, create.code());
        assertTrue(create.err().contains("No such image: nothere:latest"), create.err());
    }

    // ---- helpers ----

    private String docker() {
        return DOCKER_CLI + " -H unix://" + socket;
    }

    /** docker with a config directory of the test's own (credentials), and stdin. */
    private Berth.Result dockerWith(String config, String input, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "DOCKER_CONFIG=" + config, DOCKER_CLI.toString(), "-H",
            "unix://" + socket));
        cmd.addAll(List.of(args));
        return exec(cmd, input == null ? "" : input);
    }

    private static String sh(String script) throws Exception {
        Berth.Result r = exec(List.of("sh", "-c", script), null);
        assertEquals(0, r.code(), () -> script + ": " + r.err());
        return r.out();
    }

    private static void run(String... cmd) throws Exception {
        Berth.Result r = exec(List.of(cmd), null);
        assertEquals(0, r.code(), () -> String.join(" ", cmd) + ": " + r.err());
    }

    private static String status(Berth.Result r) {
        String out = r.out();
        int nl = out.lastIndexOf('\n');
        return out.substring(nl + 1) + " " + out.substring(0, nl).strip();
    }
}
