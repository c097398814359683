package dev.berth.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.berth.image.Descriptor;
import dev.berth.image.Digest;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageStore;
import dev.berth.image.Manifest;
import dev.berth.image.MediaTypes;
import dev.berth.image.Platform;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bearer tokens and redirects to blob storage, against an in-test registry (docker-registry
 * needs a signing token server for Bearer auth): a token service on the realm, the token only
 * for the scope it was asked for, blobs redirected to a second host (127.0.0.2) that must not
 * see the Authorization header.
 */
class BearerAuthTest {
    @TempDir
    Path tmp;
    private HttpServer registry;
    private HttpServer storage;
    private final List<String> tokenRequests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> registryAuth = Collections.synchronizedList(new ArrayList<>());
    private final List<String> storageAuth = Collections.synchronizedList(new ArrayList<>());
    private byte[] layer = "not really a tar, a pull does not unpack".getBytes(StandardCharsets.UTF_8);
    private byte[] config;
    private byte[] manifest;

    @BeforeEach
    void start() throws IOException {
        config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
            + Digest.of(layer) + "\"]}}").getBytes(StandardCharsets.UTF_8);
        manifest = new Manifest(MediaTypes.OCI_MANIFEST, new Descriptor(MediaTypes.OCI_CONFIG, Digest.of(config), config.length),
            List.of(new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.of(layer), layer.length)), null).toJson();
        storage = HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 8);
        storage.createContext("/", ex -> {
            storageAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            String hex = ex.getRequestURI().getPath().substring("/storage/".length());
            byte[] body = hex.equals(Digest.of(layer).hex()) ? layer : hex.equals(Digest.of(config).hex()) ? config : null;
            reply(ex, body == null ? 404 : 200, body == null ? new byte[0] : body, null);
        });
        storage.start();
        registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        registry.createContext("/", this::handle);
        registry.start();
    }

    @AfterEach
    void stop() {
        registry.stop(0);
        storage.stop(0);
    }

    private String host() {
        return "127.0.0.1:" + registry.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String challenge = "Bearer realm=\"http://" + host() + "/token\",service=\"fake.test\"";
        if (path.equals("/token")) {
            tokenRequests.add(ex.getRequestURI().getRawQuery() + " auth=" + auth);
            String want = "Basic " + Base64.getEncoder().encodeToString("alice:pw".getBytes(StandardCharsets.UTF_8));
            if (auth != null && !auth.equals(want)) {
                reply(ex, 401, "{}".getBytes(StandardCharsets.UTF_8), null);
                return;
            }
            String scope = ex.getRequestURI().getQuery().contains("scope=") ? "app" : "none";
            reply(ex, 200, ("{\"token\":\"tok-" + scope + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8), null);
            return;
        }
        registryAuth.add(path + " " + auth);
        if (path.equals("/v2/") || !"Bearer tok-app".equals(auth)) {
            ex.getResponseHeaders().add("WWW-Authenticate", challenge);
            reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}"
                .getBytes(StandardCharsets.UTF_8), null);
            return;
        }
        if (path.equals("/v2/app/manifests/latest")) {
            reply(ex, 200, manifest, MediaTypes.OCI_MANIFEST);
        } else if (path.equals("/v2/old/manifests/latest")) {
            reply(ex, 200, "{\"schemaVersion\":1,\"name\":\"old\"}".getBytes(StandardCharsets.UTF_8),
                "application/vnd.docker.distribution.manifest.v1+prettyjws");
        } else if (path.startsWith("/v2/app/blobs/sha256:")) {
            ex.getResponseHeaders().add("Location", "http://127.0.0.2:" + storage.getAddress().getPort() + "/storage/"
                + path.substring("/v2/app/blobs/sha256:".length()));
            reply(ex, 307, new byte[0], null);
        } else {
            reply(ex, 404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known\"}]}"
                .getBytes(StandardCharsets.UTF_8), null);
        }
    }

    private static void reply(HttpExchange ex, int status, byte[] body, String type) throws IOException {
        if (type != null) {
            ex.getResponseHeaders().add("Content-Type", type);
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
        ex.close();
    }

    /** The JDK's HttpServer does not answer a TLS hello: http only, no https attempt first. */
    private Registries registries() {
        return Registries.fromEnv().insecure(List.of("http://" + host()));
    }

    private Puller puller(ImageStore store, String creds) throws IOException {
        Path config = tmp.resolve("docker/config.json");
        DockerConfig dc = new DockerConfig(config);
        if (creds != null) {
            int colon = creds.indexOf(':');
            dc.save(host(), new Credentials(creds.substring(0, colon), creds.substring(colon + 1)));
        }
        return new Puller(store, registries(), dc);
    }

    @Test
    void tokenForTheScopeWithBasicCredentialsAndNoAuthorizationToStorage() throws Exception {
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        ImageRef ref = ImageRef.parse(host() + "/app:latest");
        Puller.Result r = puller(store, "alice:pw").pull(ref, Platform.current(), false, Progress.NONE);
        assertEquals(Digest.of(manifest), r.digest());
        assertTrue(Files.exists(store.blobs().path(Digest.of(layer))));
        assertEquals(r.digest(), store.refs().tags().get(ref.toString()));

        String basic = "Basic " + Base64.getEncoder().encodeToString("alice:pw".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("service=fake.test&scope=repository%3Aapp%3Apull auth=" + basic), tokenRequests,
            "one token, for the pull scope, asked with the credentials, cached for every request");
        assertTrue(registryAuth.contains("/v2/app/manifests/latest Bearer tok-app"), registryAuth.toString());
        assertEquals(List.of("null", "null"), storageAuth, "the token never goes to another host");
    }

    @Test
    void anonymousTokenAndWrongPasswordAndSchema1() throws Exception {
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        puller(store, null).pull(ImageRef.parse(host() + "/app:latest"), Platform.current(), false, Progress.NONE);
        assertTrue(tokenRequests.get(0).endsWith("auth=null"), tokenRequests.toString());

        RegistryException.Unauthorized wrong = assertThrows(RegistryException.Unauthorized.class,
            () -> new RegistryClient(host(), registries(), new Credentials("alice", "nope")).login());
        assertEquals("unauthorized: " + host() + " refused the login of \"alice\" (incorrect username or password, or no"
            + " access); run 'berth login " + host() + "' again", wrong.getMessage());
        new RegistryClient(host(), registries(), new Credentials("alice", "pw")).login();

        RegistryException.Protocol old = assertThrows(RegistryException.Protocol.class,
            () -> puller(store, null).pull(ImageRef.parse(host() + "/old:latest"), Platform.current(), false, Progress.NONE));
        assertTrue(old.getMessage().contains("docker's manifest schema 1"), old.getMessage());
        assertFalse(store.refs().tags().containsKey(host() + "/old:latest"));
    }

    @Test
    void authorizationFollowsRedirectsOnlyWhereDockerLetsIt() {
        URI reg = URI.create("https://registry.example.com/v2/x/blobs/sha256:1");
        assertTrue(Transport.keepAuthorization(reg, URI.create("https://registry.example.com/other")));
        assertTrue(Transport.keepAuthorization(reg, URI.create("https://blobs.registry.example.com/x")));
        assertFalse(Transport.keepAuthorization(reg, URI.create("https://s3.amazonaws.com/bucket/x")));
        assertFalse(Transport.keepAuthorization(reg, URI.create("http://registry.example.com/x")), "never down to http");
        assertFalse(Transport.keepAuthorization(reg, URI.create("https://registry.example.com:8443/x")));
        assertTrue(Transport.keepAuthorization(URI.create("https://registry-1.docker.io/v2/"),
            URI.create("https://production.cloudflare.docker.com/x")), "docker's trusted hosts");
    }

    @Test
    void challengesParseAsRfc7235() {
        Challenge c = Challenge.parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
            + "scope=\"repository:library/busybox:pull,push\"");
        assertEquals("bearer", c.scheme());
        assertEquals(Map.of("realm", "https://auth.docker.io/token", "service", "registry.docker.io", "scope",
            "repository:library/busybox:pull,push"), c.params());
        assertEquals("basic", Challenge.pick(List.of("Basic realm=\"x\"")).scheme());
        assertEquals("bearer", Challenge.pick(List.of("Basic realm=\"x\"", "Bearer realm=\"y\"")).scheme());
        assertEquals("a\"b", Challenge.parse("Basic realm=\"a\\\"b\"").param("realm"));
    }

    @Test
    void dockerConfigNamesAndKeys() {
        assertEquals("docker.io", DockerConfig.registryOf("https://index.docker.io/v1/"));
        assertEquals("localhost:5000", DockerConfig.registryOf("http://localhost:5000/v2/"));
        assertEquals(DockerConfig.DOCKER_HUB_KEY, DockerConfig.key("docker.io"));
        assertEquals("quay.io", DockerConfig.key("quay.io"));
        Registries r = Registries.fromEnv().insecure(List.of("reg.lan:5000"));
        assertTrue(r.isInsecure("reg.lan:5000"));
        assertFalse(r.isInsecure("reg.lan:5001"));
        assertTrue(r.isInsecure("localhost:5000"));
        assertTrue(r.isInsecure("127.0.0.1:1234"));
        assertFalse(r.isInsecure("docker.io"));
        assertFalse(r.isHttpOnly("reg.lan:5000"));
        assertTrue(Registries.fromEnv().insecure(List.of("http://reg.lan:5000")).isHttpOnly("reg.lan:5000"));
        assertEquals("registry-1.docker.io", r.apiHost("docker.io"));
    }
}
