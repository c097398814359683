package dev.berth.image.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.image.Descriptor;
import dev.berth.image.Digest;
import dev.berth.image.ImageException;
import dev.berth.image.ImageLoader;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageStore;
import dev.berth.image.Manifest;
import dev.berth.image.MediaTypes;
import dev.berth.image.PartialBlob;
import dev.berth.image.Platform;
import dev.berth.image.registry.Credentials;
import dev.berth.image.registry.DockerConfig;
import dev.berth.image.registry.Progress;
import dev.berth.image.registry.Puller;
import dev.berth.image.registry.Pusher;
import dev.berth.image.registry.Registries;
import dev.berth.image.registry.RegistryClient;
import dev.berth.image.registry.RegistryException;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * berth's registry client against Debian's docker-registry (distribution 2.8), with skopeo as
 * the other client: skopeo pushes a busybox image built offline, berth pulls it, pushes it back,
 * and skopeo reads what berth pushed. Checked from outside: the registry's blob files and access
 * log, the store's blob files and refs.json, skopeo inspect.
 */
class RegistryTest {
    @TempDir
    static Path shared;
    static Path layout;

    @TempDir
    Path tmp;

    @BeforeAll
    static void buildImage() throws Exception {
        assumeTrue(BusyboxImageTest.isRoot(), "umoci keeps owners only as root: run the tests as root (bin/test)");
        for (String tool : new String[] {"/usr/bin/umoci", "/usr/bin/skopeo", "/bin/busybox", "/usr/bin/docker-registry"}) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new IllegalStateException(tool + " is missing: install umoci, skopeo, busybox-static and docker-registry"
                    + " (bin/test does)");
            }
        }
        Path src = BusyboxImageTest.busyboxTree(shared.resolve("src"));
        layout = shared.resolve("layout");
        BusyboxImageTest.run("umoci", "init", "--layout", layout.toString());
        BusyboxImageTest.run("umoci", "new", "--image", layout + ":latest");
        Path bundle = shared.resolve("bundle");
        BusyboxImageTest.run("umoci", "unpack", "--image", layout + ":latest", bundle.toString());
        BusyboxImageTest.run("cp", "-a", src + "/.", bundle.resolve("rootfs").toString());
        BusyboxImageTest.run("umoci", "repack", "--image", layout + ":latest", bundle.toString());
    }

    private Puller puller(ImageStore store) {
        return new Puller(store, Registries.fromEnv(), new DockerConfig(tmp.resolve("docker/config.json")));
    }

    private static void skopeoPush(String src, LocalRegistry reg, String name, String creds) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("skopeo", "copy", "--quiet", "--dest-tls-verify=false"));
        if (creds != null) {
            cmd.add("--dest-creds");
            cmd.add(creds);
        }
        if (src.startsWith("oci:") && name.contains("multi")) {
            cmd.add("--all");
        }
        cmd.add(src);
        cmd.add("docker://" + reg.host() + "/" + name);
        BusyboxImageTest.run(cmd.toArray(new String[0]));
    }

    static String out(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    /** What skopeo says the registry's manifest digest is. */
    private static String skopeoDigest(LocalRegistry reg, String name) throws Exception {
        String raw = out("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + reg.host() + "/" + name);
        return Digest.of(raw.getBytes(StandardCharsets.UTF_8)).toString();
    }

    @Test
    void pullsWhatSkopeoPushedAndPushesBackWhatSkopeoReads() throws Exception {
        try (LocalRegistry reg = LocalRegistry.start(tmp.resolve("reg"), null, null)) {
            skopeoPush("oci:" + layout + ":latest", reg, "busybox:latest", null);
            ImageStore store = ImageStore.open(tmp.resolve("store"));
            ImageRef ref = ImageRef.parse(reg.host() + "/busybox:latest");
            List<String> events = Collections.synchronizedList(new ArrayList<>());
            Progress recording = new Progress() {
                @Override
                public void layer(Descriptor layer, String status, long done, long total) {
                    events.add(layer.digest().hex().substring(0, 12) + " " + status);
                }
            };
            Puller.Result r = puller(store).pull(ref, Platform.current(), false, recording);
            assertEquals(skopeoDigest(reg, "busybox:latest"), r.digest().toString());
            assertTrue(r.updated());
            assertEquals(r.digest(), store.refs().tags().get(ref.toString()), "the tag is in refs.json");
            Manifest m = Manifest.parse(Files.readAllBytes(store.blobs().path(r.manifest())));
            List<Descriptor> all = new ArrayList<>(m.layers());
            all.add(m.config());
            for (Descriptor d : all) {
                // the store's file has the registry's bytes, and its name is their sha256
                byte[] mine = Files.readAllBytes(store.blobs().path(d.digest()));
                assertArrayEquals(Files.readAllBytes(reg.blobFile(d.digest())), mine);
                assertEquals(d.digest(), Digest.of(mine));
            }
            assertTrue(events.stream().anyMatch(e -> e.endsWith("Pull complete")), events.toString());
            assertEquals(List.of(), listIngest(store), "nothing left in ingest");
            // again: nothing to download, the same digest, "up to date"
            events.clear();
            Puller.Result again = puller(store).pull(ref, Platform.current(), false, recording);
            assertFalse(again.updated());
            assertTrue(events.stream().anyMatch(e -> e.endsWith("Already exists")), events.toString());

            // push back under another name: the blobs are mounted from busybox, not uploaded
            ImageRef copy = ImageRef.parse(reg.host() + "/copy:v1");
            store.tag(copy, r.digest());
            Pusher.Result pushed = new Pusher(store, Registries.fromEnv(), new DockerConfig(tmp.resolve("none.json")))
                .push(copy, copy, Progress.NONE);
            assertEquals(r.digest(), pushed.digest());
            assertEquals(r.digest().toString(), skopeoDigest(reg, "copy:v1"));
            assertTrue(reg.log().contains("POST /v2/copy/blobs/uploads/?mount=sha256%3A" + m.layers().get(0).digest().hex()
                + "&from=busybox HTTP/1.1\" 201"), "the layer was mounted: " + reg.log());
            Path back = tmp.resolve("back");
            BusyboxImageTest.run("skopeo", "copy", "--quiet", "--src-tls-verify=false", "docker://" + reg.host() + "/copy:v1",
                "oci:" + back + ":v1");
            assertTrue(Files.exists(back.resolve("blobs/sha256").resolve(m.layers().get(0).digest().hex())));

            // a store that only has the image (no other tag to mount from) uploads in chunks
            ImageStore other = ImageStore.open(tmp.resolve("store2"));
            new ImageLoader(other).loadLayout(layout, reg.host() + "/chunked");
            ImageRef chunked = ImageRef.parse(reg.host() + "/chunked:latest");
            new Pusher(other, Registries.fromEnv(), new DockerConfig(tmp.resolve("none.json"))).chunkSize(100_000)
                .push(chunked, chunked, Progress.NONE);
            assertTrue(reg.log().contains("PATCH /v2/chunked/blobs/uploads/"), "chunks were sent");
            String inspect = out("skopeo", "inspect", "--tls-verify=false", "docker://" + chunked);
            assertTrue(inspect.contains(m.layers().get(0).digest().toString()), inspect);
            // pushing again finds every blob there
            List<String> pushEvents = Collections.synchronizedList(new ArrayList<>());
            new Pusher(other, Registries.fromEnv(), new DockerConfig(tmp.resolve("none.json"))).push(chunked, chunked,
                new Progress() {
                    @Override
                    public void layer(Descriptor layer, String status, long done, long total) {
                        pushEvents.add(status);
                    }
                });
            assertTrue(pushEvents.contains("Layer already exists"), pushEvents.toString());
        }
    }

    @Test
    void tamperedBlobIsRefusedAndNothingIsRegistered() throws Exception {
        try (LocalRegistry reg = LocalRegistry.start(tmp.resolve("reg"), null, null)) {
            skopeoPush("oci:" + layout + ":latest", reg, "busybox:latest", null);
            Digest layer = layerOf(layout);
            Path data = reg.blobFile(layer);
            byte[] bytes = Files.readAllBytes(data);
            bytes[bytes.length / 2] ^= 0x55; // same size, other content
            Files.write(data, bytes);
            ImageStore store = ImageStore.open(tmp.resolve("store"));
            ImageRef ref = ImageRef.parse(reg.host() + "/busybox:latest");
            ImageException.DigestMismatch e = assertThrows(ImageException.DigestMismatch.class,
                () -> puller(store).attempts(1, 0).pull(ref, Platform.current(), false, Progress.NONE));
            assertTrue(e.getMessage().contains(layer.toString()), e.getMessage());
            assertTrue(store.refs().tags().isEmpty(), "no tag after a failed pull");
            assertTrue(store.refs().images().isEmpty(), "no image kept after a failed pull");
            assertFalse(Files.exists(store.blobs().path(layer)), "the tampered layer is not in the store");
            // (a good blob cancelled half-way keeps its partial file, to be resumed: only the tampered one may not)
            assertEquals(List.of(), listIngest(store).stream().filter(n -> n.contains(layer.hex())).toList(),
                "no partial file to resume from wrong bytes");
        }
    }

    @Test
    void errorsNameTheProblem() throws Exception {
        try (LocalRegistry reg = LocalRegistry.start(tmp.resolve("reg"), null, null)) {
            skopeoPush("oci:" + layout + ":latest", reg, "busybox:latest", null);
            ImageStore store = ImageStore.open(tmp.resolve("store"));
            RegistryException.NotFound tag = assertThrows(RegistryException.NotFound.class,
                () -> puller(store).pull(ImageRef.parse(reg.host() + "/busybox:nope"), Platform.current(), false, Progress.NONE));
            assertTrue(tag.getMessage().startsWith("manifest unknown: " + reg.host() + "/busybox has no tag \"nope\""),
                tag.getMessage());
            RegistryException.NotFound name = assertThrows(RegistryException.NotFound.class,
                () -> puller(store).pullAllTags(ImageRef.parseNormalized(reg.host() + "/nothing"), Platform.current(), false,
                    Progress.NONE));
            assertTrue(name.getMessage().startsWith("name unknown: repository " + reg.host() + "/nothing"), name.getMessage());
            assertTrue(store.refs().tags().isEmpty());
        }
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        ImageStore store = ImageStore.open(tmp.resolve("store3"));
        RegistryException.Unreachable refused = assertThrows(RegistryException.Unreachable.class,
            () -> puller(store).pull(ImageRef.parse("127.0.0.1:" + closed + "/x:1"), Platform.current(), false, Progress.NONE));
        assertTrue(refused.getMessage().contains("connection refused; check that the registry is running"), refused.getMessage());
    }

    @Test
    void httpsWithTheRegistrysOwnCa() throws Exception {
        Path cert = tmp.resolve("cert.pem");
        Path key = tmp.resolve("key.pem");
        BusyboxImageTest.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out",
            cert.toString(), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
        try (LocalRegistry reg = LocalRegistry.start(tmp.resolve("reg"), null, new Path[] {cert, key})) {
            skopeoPush("oci:" + layout + ":latest", reg, "busybox:latest", null);
            ImageStore store = ImageStore.open(tmp.resolve("store"));
            ImageRef ref = ImageRef.parse(reg.host() + "/busybox:latest");
            RegistryException.Unreachable tls = assertThrows(RegistryException.Unreachable.class,
                () -> puller(store).pull(ref, Platform.current(), false, Progress.NONE));
            assertTrue(tls.getMessage().startsWith("tls: cannot verify the certificate of " + reg.host()), tls.getMessage());
            assertTrue(tls.getMessage().contains("/etc/docker/certs.d/" + reg.host() + "/ca.crt"), tls.getMessage());
            Path certs = tmp.resolve("certs.d");
            Files.createDirectories(certs.resolve(reg.host()));
            Files.copy(cert, certs.resolve(reg.host()).resolve("ca.crt"));
            Puller.Result r = new Puller(store, Registries.fromEnv().certsDir(certs), new DockerConfig(tmp.resolve("c.json")))
                .pull(ref, Platform.current(), false, Progress.NONE);
            assertEquals(skopeoDigest(reg, "busybox:latest"), r.digest().toString());
        }
    }

    @Test
    void httpsChecksTheHostNameEvenWithATrustedCa() throws Exception {
        // the client's TLS context is made lazily with default parameters: the name must still count
        Path cert = tmp.resolve("cert.pem");
        Path key = tmp.resolve("key.pem");
        BusyboxImageTest.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out",
            cert.toString(), "-days", "1", "-subj", "/CN=other.example", "-addext", "subjectAltName=DNS:other.example");
        try (LocalRegistry reg = LocalRegistry.start(tmp.resolve("reg"), null, new Path[] {cert, key})) {
            Path certs = tmp.resolve("certs.d");
            Files.createDirectories(certs.resolve(reg.host()));
            Files.copy(cert, certs.resolve(reg.host()).resolve("ca.crt"));
            ImageStore store = ImageStore.open(tmp.resolve("store"));
            try (Puller p = new Puller(store, Registries.fromEnv().certsDir(certs), new DockerConfig(tmp.resolve("c.json")))) {
                RegistryException.Unreachable tls = assertThrows(RegistryException.Unreachable.class,
                    () -> p.pull(ImageRef.parse(reg.host() + "/busybox:latest"), Platform.current(), false, Progress.NONE));
                assertTrue(tls.getMessage().startsWith("tls: cannot verify the certificate of " + reg.host()), tls.getMessage());
            }
        }
    }

    @Test
    void multiPlatformIndexPicksThePlatformsManifest() throws Exception {
        Path multi = tmp.resolve("multi");
        BusyboxImageTest.run("cp", "-a", layout.toString(), multi.toString());
        Map<String, Descriptor> byArch = addArm64AndIndex(multi);
        try (LocalRegistry reg = LocalRegistry.start(tmp.resolve("reg"), null, null)) {
            skopeoPush("oci:" + multi + ":multi", reg, "multi:latest", null);
            String indexDigest = skopeoDigest(reg, "multi:latest");
            ImageStore store = ImageStore.open(tmp.resolve("store"));
            ImageRef ref = ImageRef.parse(reg.host() + "/multi:latest");
            Puller.Result amd = puller(store).pull(ref, new Platform("linux", "amd64", null), false, Progress.NONE);
            assertEquals(indexDigest, amd.digest().toString(), "the tag names the index");
            assertEquals(byArch.get("amd64").digest(), amd.manifest());
            Digest armConfig = configOf(multi, byArch.get("arm64").digest());
            assertFalse(store.blobs().has(armConfig), "the other platform's config was not downloaded");
            assertFalse(store.blobs().has(byArch.get("arm64").digest()));
            Puller.Result arm = puller(store).pull(ref, Platform.parse("linux/arm64"), true, Progress.NONE);
            assertEquals(byArch.get("arm64").digest(), arm.manifest());
            assertTrue(store.blobs().has(armConfig));
            assertEquals(arm.digest(), store.refs().tags().get(ref.toString()));
            ImageException.NotFound none = assertThrows(ImageException.NotFound.class,
                () -> puller(store).pull(ref, Platform.parse("linux/s390x"), true, Progress.NONE));
            assertTrue(none.getMessage().contains("has no image for linux/s390x (it has linux/amd64, linux/arm64/v8)"),
                none.getMessage());
        }
    }

    @Test
    void basicAuthWithHtpasswdLoginAndLogout() throws Exception {
        Path htpasswd = tmp.resolve("htpasswd");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/htpasswd")), "htpasswd (apache2-utils) is missing");
        Files.writeString(htpasswd, out("htpasswd", "-Bbn", "alice", "s3cret"));
        try (LocalRegistry reg = LocalRegistry.start(tmp.resolve("reg"), htpasswd, null)) {
            skopeoPush("oci:" + layout + ":latest", reg, "busybox:latest", "alice:s3cret");
            ImageStore store = ImageStore.open(tmp.resolve("store"));
            ImageRef ref = ImageRef.parse(reg.host() + "/busybox:latest");
            RegistryException.Unauthorized anon = assertThrows(RegistryException.Unauthorized.class,
                () -> puller(store).pull(ref, Platform.current(), false, Progress.NONE));
            assertTrue(anon.getMessage().contains("run 'berth login " + reg.host() + "'"), anon.getMessage());

            RegistryException.Unauthorized wrong = assertThrows(RegistryException.Unauthorized.class,
                () -> new RegistryClient(reg.host(), Registries.fromEnv(), new Credentials("alice", "nope")).login());
            assertTrue(wrong.getMessage().contains("refused the login of \"alice\""), wrong.getMessage());
            new RegistryClient(reg.host(), Registries.fromEnv(), new Credentials("alice", "s3cret")).login();

            DockerConfig config = new DockerConfig(tmp.resolve("docker/config.json"));
            Files.createDirectories(tmp.resolve("docker"));
            Files.writeString(config.file(), "{\"auths\":{},\"psFormat\":\"table {{.ID}}\"}");
            config.save(reg.host(), new Credentials("alice", "s3cret"));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config.file())));
            Map<String, Object> json = Json.parseObject(Files.readString(config.file()));
            assertEquals("table {{.ID}}", json.get("psFormat"), "other keys are kept");
            Object auth = ((Map<?, ?>) Json.map(json, "auths").get(reg.host())).get("auth");
            assertEquals("alice:s3cret", new String(Base64.getDecoder().decode((String) auth), StandardCharsets.UTF_8));

            Puller.Result r = puller(store).pull(ref, Platform.current(), false, Progress.NONE);
            assertEquals(manifestOf(layout), r.digest(), "skopeo pushed the layout's manifest as it is");
            assertTrue(store.refs().tags().containsKey(ref.toString()));

            assertTrue(config.remove(reg.host()));
            assertNull(Json.map(Json.parseObject(Files.readString(config.file())), "auths").get(reg.host()));
            assertFalse(config.remove(reg.host()));
            assertThrows(RegistryException.Unauthorized.class,
                () -> puller(ImageStore.open(tmp.resolve("store2"))).pull(ref, Platform.current(), false, Progress.NONE));
        }
    }

    @Test
    void interruptedDownloadResumesWithARange() throws Exception {
        try (LocalRegistry reg = LocalRegistry.start(tmp.resolve("reg"), null, null);
            CuttingProxy proxy = new CuttingProxy(reg.port(), layerOf(layout))) {
            skopeoPush("oci:" + layout + ":latest", reg, "busybox:latest", null);
            Digest layer = layerOf(layout);
            ImageStore store = ImageStore.open(tmp.resolve("store"));
            ImageRef ref = ImageRef.parse(proxy.host() + "/busybox:latest");

            // one attempt: the pull fails, and the partial file stays for the next one
            proxy.cutNext.set(true);
            assertThrows(IOException.class, () -> puller(store).attempts(1, 0).pull(ref, Platform.current(), false,
                Progress.NONE));
            assertTrue(store.refs().tags().isEmpty(), "no tag after a failed pull");
            Path partial = store.blobs().dir().resolve("ingest/sha256-" + layer.hex() + ".partial");
            long kept = Files.size(partial);
            assertTrue(kept > 0 && kept < Files.size(reg.blobFile(layer)), "partial " + kept);

            // the next pull asks for the rest only
            Puller.Result r = puller(store).attempts(1, 0).pull(ref, Platform.current(), false, Progress.NONE);
            assertEquals("bytes=" + kept + "-", proxy.ranges.get(proxy.ranges.size() - 1));
            assertArrayEquals(Files.readAllBytes(reg.blobFile(layer)), Files.readAllBytes(store.blobs().path(layer)));
            assertFalse(Files.exists(partial));
            assertEquals(r.digest(), store.refs().tags().get(ref.toString()));

            // within one pull: the retry resumes
            ImageStore store2 = ImageStore.open(tmp.resolve("store2"));
            proxy.ranges.clear();
            proxy.served.set(0);
            proxy.cutNext.set(true);
            puller(store2).attempts(3, 10).pull(ref, Platform.current(), false, Progress.NONE);
            assertEquals(2, proxy.ranges.size(), proxy.ranges.toString());
            assertEquals("none", proxy.ranges.get(0));
            assertTrue(proxy.ranges.get(1).startsWith("bytes=") && !proxy.ranges.get(1).equals("bytes=0-"),
                proxy.ranges.toString());
            long size = Files.size(reg.blobFile(layer));
            assertTrue(proxy.served.get() < size + size / 2, "the layer was not sent again in full: " + proxy.served.get()
                + " bytes for " + size);

            // a registry that stops sending mid-blob: the stall timeout breaks off, the retry resumes
            ImageStore store3 = ImageStore.open(tmp.resolve("store3"));
            proxy.ranges.clear();
            proxy.stallNext.set(true);
            long t0 = System.nanoTime();
            puller(store3).attempts(2, 10).stallTimeout(500).pull(ref, Platform.current(), false, Progress.NONE);
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "the stall did not wait for the server");
            assertEquals(2, proxy.ranges.size(), proxy.ranges.toString());
            assertTrue(proxy.ranges.get(1).startsWith("bytes=") && !proxy.ranges.get(1).equals("bytes=0-"),
                proxy.ranges.toString());
            assertTrue(Files.exists(store3.blobs().path(layer)));
        }
    }

    @Test
    void aPrivateCopyThatKeepsComingIsNotCutByTheStallTimeout() throws Exception {
        try (LocalRegistry reg = LocalRegistry.start(tmp.resolve("reg"), null, null);
            CuttingProxy proxy = new CuttingProxy(reg.port(), layerOf(layout))) {
            skopeoPush("oci:" + layout + ":latest", reg, "busybox:latest", null);
            Digest layer = layerOf(layout);
            ImageStore store = ImageStore.open(tmp.resolve("store"));
            ImageRef ref = ImageRef.parse(proxy.host() + "/busybox:latest");
            // another pull of the same store writes the layer's partial file: this one writes a
            // private copy, whose body comes slowly but steadily, longer in all than the stall timeout
            try (PartialBlob other = store.blobs().partial(layer, Files.size(reg.blobFile(layer)))) {
                assertNotNull(other);
                proxy.slowNext.set(true);
                puller(store).attempts(1, 0).stallTimeout(500).pull(ref, Platform.current(), false, Progress.NONE);
            }
            assertArrayEquals(Files.readAllBytes(reg.blobFile(layer)), Files.readAllBytes(store.blobs().path(layer)));
        }
    }

    /**
     * Forwards to the registry, one request at a time per connection (HTTP/1.1, keep-alive); the
     * first request for one blob after {@code cutNext} gets its headers and half its body, then
     * the connection is closed, as a network failure would. Records the Range of every request
     * for that blob.
     */
    static final class CuttingProxy implements AutoCloseable {
        final AtomicBoolean cutNext = new AtomicBoolean();
        final AtomicBoolean stallNext = new AtomicBoolean();
        /** The next request for the blob gets its body in 8 pieces, 200 ms apart. */
        final AtomicBoolean slowNext = new AtomicBoolean();
        final List<String> ranges = Collections.synchronizedList(new ArrayList<>());
        final AtomicLong served = new AtomicLong();
        private final java.net.ServerSocket server;
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final int upstream;
        private final Digest blob;

        CuttingProxy(int upstream, Digest blob) throws IOException {
            this.upstream = upstream;
            this.blob = blob;
            server = new java.net.ServerSocket(0, 16, java.net.InetAddress.getByName("127.0.0.1"));
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        java.net.Socket s = server.accept();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        String host() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        private void serve(java.net.Socket s) {
            try (s) {
                java.io.BufferedInputStream in = new java.io.BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                while (true) {
                    String requestLine = line(in);
                    if (requestLine == null || requestLine.isEmpty()) {
                        return;
                    }
                    String[] parts = requestLine.split(" ");
                    Map<String, String> headers = new LinkedHashMap<>();
                    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                        int colon = h.indexOf(':');
                        headers.put(h.substring(0, colon).trim().toLowerCase(), h.substring(colon + 1).trim());
                    }
                    byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
                    if (!forward(parts[0], parts[1], headers, body, out)) {
                        return;
                    }
                }
            } catch (Exception e) {
                System.err.println("proxy: " + e); // the client went away, or a bug of the proxy
            }
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return c < 0 && b.isEmpty() ? null : b.toString();
        }

        /** False when the connection was cut. */
        private boolean forward(String method, String target, Map<String, String> headers, byte[] body, OutputStream out)
            throws Exception {
            boolean isBlob = target.endsWith("/blobs/" + blob);
            if (isBlob) {
                ranges.add(headers.getOrDefault("range", "none"));
            }
            HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + upstream + target))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
            for (String h : new String[] {"accept", "range", "content-type", "authorization"}) {
                if (headers.containsKey(h)) {
                    rb.header(h, headers.get(h));
                }
            }
            HttpResponse<byte[]> r;
            for (int attempt = 1; ; attempt++) {
                try {
                    r = client.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
                    break;
                } catch (IOException e) {
                    // a keep-alive connection to the registry that went stale: the proxy's problem, not berth's
                    if (attempt == 3) {
                        throw new IOException(method + " " + target + " " + headers + ": " + e, e);
                    }
                }
            }
            byte[] rbody = r.body();
            StringBuilder head = new StringBuilder("HTTP/1.1 " + r.statusCode() + " X\r\n");
            for (Map.Entry<String, List<String>> h : r.headers().map().entrySet()) {
                String k = h.getKey().toLowerCase();
                if (k.equals("content-length") || k.equals("transfer-encoding") || k.equals("connection") || k.startsWith(":")) {
                    continue;
                }
                for (String v : h.getValue()) {
                    head.append(h.getKey()).append(": ").append(v).append("\r\n");
                }
            }
            long length = method.equals("HEAD") ? r.headers().firstValueAsLong("content-length").orElse(0) : rbody.length;
            head.append("Content-Length: ").append(length).append("\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (method.equals("HEAD")) {
                out.flush();
                return true;
            }
            if (isBlob && method.equals("GET") && cutNext.compareAndSet(true, false)) {
                out.write(rbody, 0, rbody.length / 2);
                out.flush();
                served.addAndGet(rbody.length / 2);
                return false; // closes the socket: the download breaks off
            }
            if (isBlob && method.equals("GET") && stallNext.compareAndSet(true, false)) {
                out.write(rbody, 0, rbody.length / 3);
                out.flush();
                served.addAndGet(rbody.length / 3);
                Thread.sleep(20_000); // sends nothing more: only a stall timeout ends this
                return false;
            }
            if (isBlob && method.equals("GET") && slowNext.compareAndSet(true, false)) {
                int piece = rbody.length / 8 + 1;
                for (int at = 0; at < rbody.length; at += piece) {
                    out.write(rbody, at, Math.min(piece, rbody.length - at));
                    out.flush();
                    Thread.sleep(200);
                }
                served.addAndGet(rbody.length);
                return true;
            }
            if (isBlob) {
                served.addAndGet(rbody.length);
            }
            out.write(rbody);
            out.flush();
            return true;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static List<String> listIngest(ImageStore store) throws IOException {
        try (var s = Files.list(store.blobs().dir().resolve("ingest"))) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    static Digest manifestOf(Path layout) throws Exception {
        Map<String, Object> index = Json.parseObject(Files.readString(layout.resolve("index.json")));
        return Digest.parse((String) ((Map<?, ?>) ((List<?>) index.get("manifests")).get(0)).get("digest"));
    }

    /** The (only) layer of the layout's image. */
    static Digest layerOf(Path layout) throws Exception {
        Map<String, Object> index = Json.parseObject(Files.readString(layout.resolve("index.json")));
        String md = (String) ((Map<?, ?>) ((List<?>) index.get("manifests")).get(0)).get("digest");
        Manifest m = Manifest.parse(Files.readAllBytes(layout.resolve("blobs/sha256").resolve(md.substring(7))));
        return m.layers().get(0).digest();
    }

    private static Digest configOf(Path layout, Digest manifest) throws Exception {
        return Manifest.parse(Files.readAllBytes(layout.resolve("blobs/sha256").resolve(manifest.hex()))).config().digest();
    }

    private static Digest writeBlob(Path layout, byte[] bytes) throws IOException {
        Digest d = Digest.of(bytes);
        Files.write(layout.resolve("blobs/sha256").resolve(d.hex()), bytes);
        return d;
    }

    /**
     * Turns the layout's image into a two-platform index: the image as linux/amd64, and a copy
     * whose config says linux/arm64/v8 (same layer); index.json names the index "multi".
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Descriptor> addArm64AndIndex(Path layout) throws Exception {
        Map<String, Object> index = Json.parseObject(Files.readString(layout.resolve("index.json")));
        Map<String, Object> entry = (Map<String, Object>) ((List<?>) index.get("manifests")).get(0);
        Digest amdManifest = Digest.parse((String) entry.get("digest"));
        byte[] amdBytes = Files.readAllBytes(layout.resolve("blobs/sha256").resolve(amdManifest.hex()));
        Manifest amd = Manifest.parse(amdBytes);
        Map<String, Object> config = Json.parseObject(Files.readString(layout.resolve("blobs/sha256")
            .resolve(amd.config().digest().hex())));
        config.put("architecture", "arm64");
        config.put("variant", "v8");
        byte[] armConfig = Json.compact(config).getBytes(StandardCharsets.UTF_8);
        Digest armConfigDigest = writeBlob(layout, armConfig);
        Manifest arm = new Manifest(MediaTypes.OCI_MANIFEST, new Descriptor(MediaTypes.OCI_CONFIG, armConfigDigest,
            armConfig.length), amd.layers(), null);
        byte[] armBytes = arm.toJson();
        Digest armDigest = writeBlob(layout, armBytes);
        Map<String, Descriptor> out = new LinkedHashMap<>();
        out.put("amd64", new Descriptor(MediaTypes.OCI_MANIFEST, amdManifest, amdBytes.length,
            new Platform("linux", "amd64", null), null));
        out.put("arm64", new Descriptor(MediaTypes.OCI_MANIFEST, armDigest, armBytes.length,
            new Platform("linux", "arm64", "v8"), null));
        byte[] idx = new dev.berth.image.ImageIndex(MediaTypes.OCI_INDEX, List.copyOf(out.values()), null).toJson();
        Digest idxDigest = writeBlob(layout, idx);
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("schemaVersion", 2);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("mediaType", MediaTypes.OCI_INDEX);
        e.put("digest", idxDigest.toString());
        e.put("size", idx.length);
        e.put("annotations", Map.of(Descriptor.REF_NAME, "multi"));
        top.put("manifests", List.of(e));
        Files.writeString(layout.resolve("index.json"), Json.compact(top));
        return out;
    }
}
