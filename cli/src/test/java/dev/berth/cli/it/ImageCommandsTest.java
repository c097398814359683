package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image commands end to end, on a busybox image built offline with umoci from Debian's
 * busybox-static, and on a {@code docker save} archive of it written by skopeo. The peers
 * read what berth writes: skopeo inspects and copies a saved archive, umoci unpacks the copy.
 * Blob removal is checked on disk, outside berth.
 *
 * <p>Not covered here: rmi refused while a container uses the image. Containers record their
 * image id only once {@code berth run IMAGE} lands (another branch); the rules themselves are
 * tested with containers given to the deleter in the image module's {@code ImageCatalogTest}.
 */
class ImageCommandsTest extends ContainerTestBase {
    @TempDir
    static Path work;
    static Path layoutTar;
    static Path dockerArchive;
    static String configDigest;
    static String diffId;

    @BeforeAll
    static void buildImage() throws Exception {
        for (String tool : new String[] {"/usr/bin/umoci", "/usr/bin/skopeo", "/bin/busybox"}) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new IllegalStateException(tool + " is missing: install umoci, skopeo and busybox-static (bin/test does)");
            }
        }
        Path src = Files.createDirectories(work.resolve("src/bin"));
        Files.copy(Path.of("/bin/busybox"), src.resolve("busybox"));
        Files.createSymbolicLink(src.resolve("sh"), Path.of("busybox"));
        Files.createDirectories(work.resolve("src/etc"));
        Files.writeString(work.resolve("src/etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Path layout = work.resolve("layout");
        sh("umoci", "init", "--layout", layout.toString());
        sh("umoci", "new", "--image", layout + ":latest");
        sh("umoci", "unpack", "--image", layout + ":latest", work.resolve("bundle").toString());
        sh("cp", "-a", work.resolve("src") + "/.", work.resolve("bundle/rootfs").toString());
        sh("umoci", "repack", "--image", layout + ":latest", work.resolve("bundle").toString());
        sh("umoci", "config", "--image", layout + ":latest", "--config.cmd=sh", "--config.label=org.example.kind=test",
            "--history.created_by=umoci config for the test");
        layoutTar = work.resolve("layout.tar");
        sh("tar", "-C", layout.toString(), "-cf", layoutTar.toString(), ".");
        dockerArchive = work.resolve("docker.tar");
        sh("skopeo", "copy", "--quiet", "oci:" + layout + ":latest", "docker-archive:" + dockerArchive + ":busybox:1.0");
        // the oracle: the config digest and diff id as umoci wrote them
        Map<String, Object> index = Json.parseObject(Files.readString(layout.resolve("index.json")));
        String manifest = (String) ((Map<?, ?>) ((List<?>) index.get("manifests")).get(0)).get("digest");
        Map<String, Object> m = Json.parseObject(Files.readString(layout.resolve("blobs/sha256/" + manifest.substring(7))));
        configDigest = (String) ((Map<?, ?>) m.get("config")).get("digest");
        Map<String, Object> cfg = Json.parseObject(Files.readString(layout.resolve("blobs/sha256/" + configDigest.substring(7))));
        diffId = (String) ((List<?>) ((Map<?, ?>) cfg.get("rootfs")).get("diff_ids")).get(0);
    }

    private String shortId() {
        return configDigest.substring(7, 19);
    }

    private void loadBoth() throws Exception {
        assertEquals("Loaded image ID: " + configDigest + "\n", berth.ok("load", "-i", layoutTar.toString()),
            "umoci's bare ref name gives no repository: the image is loaded by id");
        assertEquals("Loaded image: busybox:1.0\n", loadFromStdin(dockerArchive));
    }

    @Test
    void loadTagListInspectAndHistory() throws Exception {
        loadBoth();
        String table = berth.ok("images");
        assertTrue(table.startsWith("REPOSITORY   TAG       IMAGE ID       CREATED "), table);
        assertTrue(table.lines().skip(1).findFirst().orElseThrow().startsWith("busybox      1.0       " + shortId() + "   "), table);
        assertEquals(2, table.lines().count(), "one image: both manifests share the config, docker's image id");

        berth.ok("tag", "busybox:1.0", "example.com/team/bb:v2");
        berth.ok("tag", shortId(), "mybox");
        assertEquals(shortId() + "\n" + shortId() + "\n" + shortId() + "\n", berth.ok("images", "-q"));
        assertEquals("busybox:1.0\nexample.com/team/bb:v2\nmybox:latest\n",
            berth.ok("images", "--format", "{{.Repository}}:{{.Tag}}"));
        assertEquals("example.com/team/bb:v2\n", berth.ok("images", "--format", "{{.Repository}}:{{.Tag}}", "example.com/*/bb"));
        assertEquals("mybox\n", berth.ok("images", "--format", "{{.Repository}}", "-f", "reference=my*"));
        assertEquals("", berth.ok("images", "-q", "-f", "dangling=true"));
        assertEquals(3, berth.ok("images", "-q", "-f", "label=org.example.kind=test").lines().count());
        assertEquals("", berth.ok("images", "-q", "-f", "label=org.example.kind=other"));
        assertEquals(configDigest + "\n", berth.ok("images", "-q", "--no-trunc", "mybox"));
        String digests = berth.ok("images", "--digests", "busybox");
        assertTrue(digests.startsWith("REPOSITORY   TAG       DIGEST"), digests);
        String json = berth.ok("images", "--format", "json", "busybox");
        assertEquals(shortId(), Json.parseObject(json.strip()).get("ID"));
        String custom = berth.ok("images", "--format", "table {{.Repository}}\\t{{.Size}}", "mybox");
        assertTrue(custom.startsWith("REPOSITORY   SIZE\nmybox        "), custom);

        // inspect: docker's shape, found by name, id prefix, or through plain `inspect`
        Map<String, Object> img = Json.parseObject(stripArray(berth.ok("image", "inspect", "busybox:1.0")));
        assertEquals(configDigest, img.get("Id"));
        assertEquals(List.of("busybox:1.0", "mybox:latest", "example.com/team/bb:v2"), sortedLike(img.get("RepoTags")));
        assertEquals(List.of(diffId), ((Map<?, ?>) img.get("RootFS")).get("Layers"));
        assertEquals(List.of("sh"), ((Map<?, ?>) img.get("Config")).get("Cmd"));
        assertEquals("linux", img.get("Os"));
        assertEquals(configDigest + " [sh]\n", berth.ok("inspect", "-f", "{{.Id}} {{.Config.Cmd}}", shortId()));
        assertEquals("amd64\n", berth.ok("inspect", "--type", "image", "-f", "{{.Architecture}}", "mybox"));
        Berth.Result none = berth.run("inspect", "no-such-thing");
        assertEquals(1, none.code());
        assertEquals("berth: no such object: no-such-thing", none.err().strip());

        // history: umoci's entries, newest first, the top one carrying the image id
        List<String> history = berth.ok("history", "busybox:1.0").lines().toList();
        assertTrue(history.get(0).startsWith("IMAGE          CREATED "), history.get(0));
        assertTrue(history.get(1).startsWith(shortId() + "   "), history.get(1));
        assertTrue(history.get(1).contains("umoci config for the test"), history.get(1));
        assertTrue(history.get(2).startsWith("<missing>      "), history.get(2));
        assertEquals(shortId() + "\n<missing>\n", berth.ok("history", "-q", "mybox"));
        String raw = berth.ok("history", "-H=false", "--format", "{{.Size}}|{{.CreatedSince}}", "mybox");
        String layerSize = raw.lines().skip(1).findFirst().orElseThrow();
        assertTrue(layerSize.matches("[0-9]+\\|[0-9-]+T[0-9:]+Z"), raw);
        // sizes are what each layer unpacks to, as docker's (the config entry made none)
        List<String> sizes = berth.ok("history", "-H=false", "--format", "{{.Size}}", "mybox").lines().toList();
        long unpacked = unpackedSize(work.resolve("src"));
        assertEquals(List.of("0", Long.toString(unpacked)), sizes);
        // and so is the image's SIZE, docker 28's classic store's (the sum of its layers unpacked),
        // not the gzip blob's: the layout's layer is compressed, the archive's is not, one image
        assertEquals(unpacked + "\n", berth.ok("image", "inspect", "-f", "{{.Size}}", "mybox"));
        assertEquals(human3(unpacked) + "\n", berth.ok("images", "--format", "{{.Size}}", "busybox"));
        Path gz = berth.root().resolve("images/blobs/sha256");
        assertTrue(unpacked > 1_000_000 && bytes(gz) < 2 * unpacked, "the test means something: busybox compresses");
    }

    /** docker's units.HumanSizeWithPrecision(size, 3) for the sizes this test meets (MB). */
    private static String human3(long size) {
        return new java.math.BigDecimal(size / 1e6).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString() + "MB";
    }

    /** Regular files (a hard link once) and symlinks, as docker's graph drivers count a layer. */
    private static long unpackedSize(Path tree) throws IOException {
        java.util.Set<Object> seen = new java.util.HashSet<>();
        long total = 0;
        try (var walk = Files.walk(tree)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isSymbolicLink(p)) {
                    total += Files.readSymbolicLink(p).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                } else if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && seen.add(Files.getAttribute(p, "unix:ino"))) {
                    total += Files.size(p);
                }
            }
        }
        return total;
    }

    @Test
    void savedArchivesAreReadByPeersAndLoadBackUnchanged() throws Exception {
        loadBoth();
        berth.ok("tag", "busybox:1.0", "localhost:5000/app:2");
        Path saved = work.resolve("saved-" + System.nanoTime() + ".tar");
        berth.ok("save", "-o", saved.toString(), "busybox:1.0", "localhost:5000/app");
        // skopeo reads it as a docker archive and as an OCI archive, and copies it; umoci unpacks the copy
        String inspected = sh("skopeo", "inspect", "docker-archive:" + saved + ":busybox:1.0");
        assertEquals(List.of(diffId), Json.parseObject(inspected).get("Layers"));
        String config = sh("skopeo", "inspect", "--config", "--raw", "docker-archive:" + saved + ":localhost:5000/app:2");
        assertEquals(configDigest, "sha256:" + sha256(config.getBytes()));
        Path oci = work.resolve("copy-" + System.nanoTime());
        sh("skopeo", "copy", "--quiet", "docker-archive:" + saved + ":busybox:1.0", "oci:" + oci + ":x");
        sh("skopeo", "inspect", "oci-archive:" + saved + ":1.0");
        Path bundle = work.resolve("unpacked-" + System.nanoTime());
        sh("umoci", "unpack", "--image", oci + ":x", bundle.toString());
        assertTrue(Files.isSymbolicLink(bundle.resolve("rootfs/bin/sh")));
        assertArrayEquals(Files.readAllBytes(Path.of("/bin/busybox")), Files.readAllBytes(bundle.resolve("rootfs/bin/busybox")));

        // the same bytes on stdout; a fresh store loads it with the same ids and tags
        Path viaStdout = work.resolve("stdout-" + System.nanoTime() + ".tar");
        Process p = new ProcessBuilder(berth.command("save", "busybox:1.0", "localhost:5000/app"))
            .redirectOutput(viaStdout.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertEquals(0, p.waitFor());
        assertArrayEquals(Files.readAllBytes(saved), Files.readAllBytes(viaStdout), "save is deterministic");
        try (Berth other = new Berth()) {
            assertEquals("Loaded image: busybox:1.0\nLoaded image: localhost:5000/app:2\n", other.ok("load", "-i", saved.toString()));
            assertEquals(configDigest + "\n" + configDigest + "\n", other.ok("images", "-q", "--no-trunc"));
            assertEquals(berth.ok("image", "inspect", "-f", "{{.RootFS.Layers}}", "busybox:1.0"),
                other.ok("image", "inspect", "-f", "{{.RootFS.Layers}}", "busybox:1.0"));
        }
        Berth.Result noDir = berth.run("save", "-o", "/nonexistent-dir/x.tar", "busybox:1.0");
        assertEquals(1, noDir.code());
        Berth.Result missing = berth.run("save", "-o", saved.toString(), "nope:1");
        assertEquals(1, missing.code());
        assertEquals("berth: no such image: nope:1", missing.err().strip());
    }

    @Test
    void importBuildsAOneLayerImageWithChanges() throws Exception {
        Path tgz = work.resolve("rootfs-" + System.nanoTime() + ".tar.zst");
        sh("sh", "-c", "tar -C " + work.resolve("src") + " -c . | zstd -q > " + tgz);
        String id = berth.ok("import", "-c", "CMD [\"sh\", \"-c\", \"echo hi\"]", "--change", "ENV GREETING=\"hello world\"",
            "-c", "ENV MSG $GREETING!", "-c", "EXPOSE 8080/tcp 53/udp", "-c", "WORKDIR /srv", "-c", "USER 1000",
            "-c", "LABEL org.example.v=1", "-c", "VOLUME /data", "-c", "STOPSIGNAL SIGINT", "-c", "ENTRYPOINT [\"/bin/sh\"]",
            "-m", "imported for the test", tgz.toString(), "imported:1").strip();
        assertTrue(id.matches("sha256:[0-9a-f]{64}"), id);
        Map<String, Object> cfg = Json.parseObject(berth.ok("image", "inspect", "-f", "{{json .Config}}", "imported:1"));
        assertEquals(List.of("sh", "-c", "echo hi"), cfg.get("Cmd"));
        assertEquals(List.of("/bin/sh"), cfg.get("Entrypoint"));
        assertEquals(List.of("GREETING=hello world", "MSG=hello world!"), cfg.get("Env"));
        assertEquals(Map.of("8080/tcp", Map.of(), "53/udp", Map.of()), cfg.get("ExposedPorts"));
        assertEquals("/srv", cfg.get("WorkingDir"));
        assertEquals("1000", cfg.get("User"));
        assertEquals(Map.of("org.example.v", "1"), cfg.get("Labels"));
        assertEquals(Map.of("/data", Map.of()), cfg.get("Volumes"));
        assertEquals("SIGINT", cfg.get("StopSignal"));
        assertEquals(id + "\n", berth.ok("image", "inspect", "-f", "{{.Id}}", "imported:1"));
        assertTrue(berth.ok("history", "imported:1").contains("imported for the test"));
        // the layer is the tar itself, uncompressed: its digest is the diff id
        String layer = berth.ok("image", "inspect", "-f", "{{index .RootFS.Layers 0}}", "imported:1").strip();
        String plain = sh("sh", "-c", "zstd -dc " + tgz + " | sha256sum");
        assertEquals(layer, "sha256:" + plain.substring(0, 64));

        // from stdin, no name: dangling, "Imported from -"
        Process p = new ProcessBuilder(berth.command("import", "-")).redirectInput(tgz.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String id2 = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor());
        assertTrue(berth.ok("history", id2).contains("Imported from -"));
        assertEquals(id2.substring(7, 19) + "\n", berth.ok("images", "-q", "-f", "dangling=true"));

        Berth.Result bad = berth.run("import", "-c", "ADD a /b", tgz.toString());
        assertEquals(1, bad.code());
        assertEquals("berth: --change: ADD is not a valid change command; use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, "
            + "VOLUME, WORKDIR or STOPSIGNAL", bad.err().strip());
        Path junk = Files.writeString(work.resolve("junk.txt"), "not a tar at all, just some text that is long enough ".repeat(20));
        Berth.Result notTar = berth.run("import", junk.toString());
        assertEquals(1, notTar.code());
        assertTrue(notTar.err().startsWith("berth: not a rootfs tarball"), notTar.err());
        assertEquals(1, notTar.err().strip().lines().count());
    }

    @Test
    void rmiUntagsThenDeletesAndTheBlobsLeaveTheDisk() throws Exception {
        loadBoth();
        berth.ok("tag", "busybox:1.0", "mybox:1");
        Path blobs = berth.root().resolve("images/blobs/sha256");
        assertTrue(count(blobs) >= 4, "two manifests, a config, a compressed and an uncompressed layer");
        berth.ok("images"); // counts the layers' sizes and keeps them
        Path sizes = berth.root().resolve("images/sizes");
        assertEquals(1, count(sizes), "the layer of the manifest the image is shown by");
        try (Stream<Path> kept = Files.list(sizes)) {
            for (Path p : kept.toList()) {
                assertTrue(Files.exists(blobs.resolve(p.getFileName())), "kept under its blob's digest: " + p);
            }
        }
        assertEquals("Untagged: mybox:1\nUntagged: mybox@", berth.ok("rmi", "mybox:1").substring(0, 34));
        assertTrue(Files.exists(blobs.resolve(configDigest.substring(7))), "busybox:1.0 still holds the image");

        berth.ok("tag", "busybox:1.0", "other:1");
        Berth.Result conflict = berth.run("rmi", shortId());
        assertEquals(1, conflict.code(), "docker's rmi exits 1 on a conflict");
        assertEquals("berth: conflict: unable to delete " + shortId()
            + " (must be forced) - image is referenced in multiple repositories", conflict.err().strip());
        assertEquals(2, berth.ok("images", "-q").lines().count(), "nothing was untagged");

        String out = berth.ok("rmi", "busybox:1.0", "other:1");
        assertTrue(out.startsWith("Untagged: busybox:1.0\nUntagged: busybox@sha256:"), out);
        assertTrue(out.contains("Untagged: other:1\n"), out);
        assertTrue(out.contains("Deleted: " + configDigest + "\n"), out);
        assertTrue(out.contains("Deleted: " + diffId + "\n"), "the layer blob was collected: " + out);
        assertEquals(0, count(blobs), "no blob is left in ROOT/images/blobs");
        assertEquals(0, count(sizes), "and no kept layer size: they went with their blobs");
        assertEquals("", berth.ok("images", "-q"));

        Berth.Result gone = berth.run("rmi", "busybox:1.0", "bad/Name");
        assertEquals(1, gone.code());
        assertEquals(List.of("berth: no such image: busybox:1.0",
            "berth: invalid reference format \"bad/Name\": repository name (bad/Name) must be lowercase"), gone.err().lines().toList());
    }

    @Test
    void pruneRemovesDanglingOrAllUnusedImagesAndReportsTheSpace() throws Exception {
        loadBoth();
        Path tar = work.resolve("small-" + System.nanoTime() + ".tar");
        sh("tar", "-C", work.resolve("src/etc").toString(), "-cf", tar.toString(), ".");
        berth.ok("import", tar.toString());
        Path blobs = berth.root().resolve("images/blobs/sha256");
        long before = bytes(blobs);
        String out = berth.ok("image", "prune", "-f");
        assertTrue(out.startsWith("Deleted Images:\ndeleted: sha256:"), out);
        long freed = before - bytes(blobs);
        assertTrue(freed > 0);
        assertTrue(out.endsWith("\n\nTotal reclaimed space: " + human4(freed) + "\n"), out + " (freed " + freed + ")");
        assertEquals(shortId() + "\n", berth.ok("images", "-q"), "the tagged image stays");
        assertEquals("Total reclaimed space: 0B\n", berth.ok("image", "prune", "-f", "-a", "--filter", "label=nope"));
        berth.ok("images");
        Path sizes = berth.root().resolve("images/sizes");
        assertTrue(count(sizes) > 0);
        out = berth.ok("image", "prune", "-af");
        assertTrue(out.contains("untagged: busybox:1.0\n") && out.contains("deleted: " + configDigest + "\n"), out);
        assertEquals(0, count(blobs));
        assertEquals(0, count(sizes), "prune's collection removed the kept sizes of the layers it deleted");
        String df = berth.ok("system", "df");
        assertEquals("TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE", df.lines().findFirst().get());
        assertTrue(df.contains("\nImages          0         0         0B        0B\n"), df);
    }

    @Test
    void systemDfCountsImages() throws Exception {
        loadBoth();
        // the image's blobs; the layout also left blobs nothing references, garbage for the next GC
        long size = Long.parseLong(berth.ok("image", "inspect", "-f", "{{.Size}}", "busybox:1.0").strip());
        assertEquals(unpackedSize(work.resolve("src")), size, "the layer unpacked, counted once for both manifests");
        String df = berth.ok("system", "df", "--format", "{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}");
        assertEquals("Images|1|0|" + human4(size) + "|" + human4(size) + " (100%)", df.lines().findFirst().get());
        assertTrue(berth.ok("system", "df", "-v").contains("busybox      1.0       " + shortId()));
    }

    @Test
    void badInputGivesOneLineAndDockersExitCode() throws Exception {
        Object[][] cases = {
            {1, "berth: no such image: nope:latest", new String[] {"image", "inspect", "nope"}},
            {1, "berth: no such image: nope:latest", new String[] {"tag", "nope", "x"}},
            {1, "berth: \"berth tag\" requires exactly 2 arguments: SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", new String[] {"tag", "x"}},
            {1, "berth: \"berth rmi\" requires at least 1 argument: an image", new String[] {"rmi"}},
            {1, "berth: \"berth history\" requires exactly 1 argument: an image", new String[] {"history"}},
            {1, "berth: invalid filter 'bogus': use one of before, dangling, label, reference, since, until",
                new String[] {"images", "-f", "bogus=1"}},
            {1, "berth: invalid filter 'dangling=maybe': use dangling=true or dangling=false", new String[] {"images", "-f", "dangling=maybe"}},
            {125, "berth: bad format of filter \"dangling\" (expected name=value)", new String[] {"images", "-f", "dangling"}},
            {1, "berth: syntax error in pattern \"[a\": check its brackets and backslashes", new String[] {"images", "[a"}},
            {1, "berth: invalid reference format \"UPPER\": repository name (library/UPPER) must be lowercase",
                new String[] {"tag", "x", "UPPER"}},
            {1, "berth: cannot read /nonexistent.tar: no such file", new String[] {"load", "-i", "/nonexistent.tar"}},
            {1, "berth: not an image archive: it has neither oci-layout and index.json (OCI layout) nor manifest.json (docker save)",
                new String[] {"load", "-i", emptyTar().toString()}},
            {1, "berth: \"bogus\" is not a valid value for --type: use container, image or network",
                new String[] {"inspect", "--type", "bogus", "x"}},
        };
        for (Object[] c : cases) {
            String[] args = (String[]) c[2];
            Berth.Result r = berth.run(args);
            assertEquals(c[0], r.code(), () -> String.join(" ", args) + ": " + r.err());
            assertEquals(c[1], r.err().strip(), String.join(" ", args));
            assertFalse(r.err().strip().contains("\n"), "one line");
        }
        Berth.Result unknown = berth.run("images", "--bogus");
        assertEquals(125, unknown.code(), "a flag that does not parse is docker's 125");
    }

    // ---- helpers ----

    private String loadFromStdin(Path archive) throws Exception {
        Process p = new ProcessBuilder(berth.command("load")).redirectInput(archive.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor());
        return out;
    }

    private static Path emptyTar() throws Exception {
        Path dir = Files.createDirectories(work.resolve("empty"));
        Path tar = work.resolve("empty.tar");
        if (!Files.exists(tar)) {
            sh("tar", "-C", dir.toString(), "-cf", tar.toString(), ".");
        }
        return tar;
    }

    private static List<Object> sortedLike(Object tags) {
        List<Object> l = new ArrayList<>((List<?>) tags);
        l.sort((a, b) -> {
            int o = List.of("busybox:1.0", "mybox:latest", "example.com/team/bb:v2").indexOf(a);
            return Integer.compare(o, List.of("busybox:1.0", "mybox:latest", "example.com/team/bb:v2").indexOf(b));
        });
        return l;
    }

    private static String stripArray(String json) {
        String s = json.strip();
        return s.substring(1, s.length() - 1).strip();
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    private static long bytes(Path dir) throws IOException {
        long n = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                n += Files.size(p);
            }
        }
        return n;
    }

    /** docker's units.HumanSize for the sizes this test meets (kB and MB). */
    private static String human4(long size) {
        if (size < 1000) {
            return size + "B";
        }
        double v = size / 1000.0;
        String unit = "kB";
        if (v >= 1000) {
            v /= 1000;
            unit = "MB";
        }
        String s = new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
        return s + unit;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
