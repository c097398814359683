package dev.berth.api;

import dev.berth.api.http.Exchange;
import dev.berth.api.http.HttpException;
import dev.berth.api.http.Request;
import dev.berth.engine.CommitRequest;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.image.ArchiveWriter;
import dev.berth.image.Image;
import dev.berth.image.ImageException;
import dev.berth.image.ImageImporter;
import dev.berth.image.ImageRef;
import dev.berth.image.Digest;
import dev.berth.image.Platform;
import dev.berth.image.registry.Credentials;
import dev.berth.image.registry.DockerConfig;
import dev.berth.image.registry.Puller;
import dev.berth.image.registry.Registries;
import dev.berth.image.registry.RegistryClient;
import dev.berth.image.registry.RegistryException;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Images in and out of the daemon: {@code POST /images/create} (a pull with dockerd's progress
 * stream, or with {@code fromSrc=-} an import of the body), {@code POST /images/load},
 * {@code GET /images/{name}/get} and {@code /images/get?names=} (docker save),
 * {@code POST /commit} and {@code POST /auth} (docker login through the daemon). Registry
 * credentials come from the client ({@code X-Registry-Auth}, or the login body), never from the
 * daemon's own files, as with dockerd.
 */
final class ImageTransfers {
    private final Engine engine;

    ImageTransfers(Engine engine) {
        this.engine = engine;
    }

    void routes(Routes r) {
        r.post("/images/create", (x, p) -> create(x));
        r.post("/images/load", (x, p) -> load(x));
        r.get("/images/get", (x, p) -> save(x, x.request().queryAll("names")));
        r.get("/images/{name*}/get", (x, p) -> save(x, List.of(p.get("name"))));
        r.post("/commit", (x, p) -> commit(x));
        r.post("/auth", (x, p) -> auth(x));
    }

    // ---- pull ----

    private void create(Exchange x) throws Exception {
        Request q = x.request();
        String fromSrc = q.query("fromSrc");
        if (fromSrc != null && !fromSrc.isEmpty()) {
            importRootfs(x, fromSrc);
            return;
        }
        String fromImage = q.query("fromImage");
        if (fromImage == null || fromImage.isEmpty()) {
            throw new HttpException(400, "give fromImage=NAME to pull, or fromSrc=- to import the request body");
        }
        ImageRef ref = reference(fromImage, q.query("tag"));
        boolean all = ref.tag() == null && ref.digest() == null;
        String platformSpec = q.query("platform");
        boolean platformGiven = platformSpec != null && !platformSpec.isEmpty();
        Platform platform;
        try {
            platform = platformGiven ? Platform.parse(platformSpec) : Platform.current();
        } catch (ImageException e) {
            throw new HttpException(400, e.getMessage());
        }
        Credentials creds = registryAuth(q.header("x-registry-auth"));
        Puller puller;
        try {
            puller = Puller.withCredentials(engine.images(), Registries.fromEnv(), creds);
        } catch (EngineException e) {
            throw new HttpException(500, e.getMessage());
        }
        try (puller) { // its HTTP clients' threads end with it, not when the GC finds them
            pull(x, ref, platform, platformGiven, all, puller);
        }
    }

    private static void pull(Exchange x, ImageRef ref, Platform platform, boolean platformGiven, boolean all,
        Puller puller) throws Exception {
        String what = all ? null : ref.tag() != null ? ref.tag() : ref.digest().toString();
        PullStream stream = new PullStream(x, what, all ? "Pulling all tags of " + ref.familiar() : "Pulling from " + ref.path());
        try {
            List<Puller.Result> results = all ? puller.pullAllTags(ref, platform, platformGiven, stream)
                : List.of(puller.pull(ref, platform, platformGiven, stream));
            for (Puller.Result r : results) {
                stream.status("Digest: " + r.digest());
                stream.status("Status: " + (r.updated() ? "Downloaded newer image for " : "Image is up to date for ")
                    + r.ref().familiar());
            }
        } catch (IOException e) {
            if (!stream.started()) {
                if (e instanceof RegistryException.Unauthorized || e instanceof RegistryException.Denied) {
                    // dockerd's "pull access denied" is a 404: a 401 would make the docker CLI ask for a login
                    throw new HttpException(404, "pull access denied for " + ref.familiar() + ": " + Images.forDocker(e.getMessage()));
                }
                throw Images.http(e, null);
            }
            stream.error(Images.forDocker(e.getMessage()));
        } finally {
            puller.close(); // its HTTP client's selector thread, one per pull otherwise left to the GC
        }
        stream.check();
    }

    /** dockerd's rule: {@code tag} replaces fromImage's own tag, and may be a digest. */
    private static ImageRef reference(String fromImage, String tag) throws HttpException {
        try {
            ImageRef ref = ImageRef.parseNormalized(fromImage);
            if (tag == null || tag.isEmpty()) {
                return ref;
            }
            if (tag.indexOf(':') > 0) {
                return new ImageRef(ref.domain(), ref.path(), null, Digest.parse(tag));
            }
            return ref.withTag(tag);
        } catch (ImageException e) {
            throw new HttpException(400, e.getMessage());
        }
    }

    /**
     * docker's {@code X-Registry-Auth}: base64url of a JSON AuthConfig ({@code username},
     * {@code password}, or {@code auth} = base64 of {@code user:pass}). Empty or absent:
     * anonymous. Identity tokens are refused by name.
     */
    static Credentials registryAuth(String header) throws HttpException {
        if (header == null || header.isBlank()) {
            return null;
        }
        Map<String, Object> m;
        try {
            byte[] json = Base64.getUrlDecoder().decode(header.strip().replace('+', '-').replace('/', '_'));
            m = json.length == 0 ? Map.of() : Json.parseObject(new String(json, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | JsonException e) {
            throw new HttpException(400, "X-Registry-Auth is not base64url-encoded JSON: " + e.getMessage());
        }
        return credentials(m);
    }

    private static Credentials credentials(Map<String, Object> m) throws HttpException {
        String user = m.get("username") instanceof String s ? s : "";
        String pass = m.get("password") instanceof String s ? s : "";
        if (user.isEmpty() && m.get("auth") instanceof String auth && !auth.isEmpty()) {
            try {
                String decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon > 0) {
                    user = decoded.substring(0, colon);
                    pass = decoded.substring(colon + 1);
                }
            } catch (IllegalArgumentException e) {
                throw new HttpException(400, "the auth field is not base64 of USER:PASSWORD");
            }
        }
        if (user.isEmpty() && m.get("identitytoken") instanceof String t && !t.isEmpty()) {
            throw new HttpException(400, "berth does not take identity tokens; log in with a username and password");
        }
        return user.isEmpty() ? null : new Credentials(user, pass);
    }

    // ---- import ----

    /** {@code fromSrc=-}: the body is a rootfs tarball, one layer (docker import). */
    private void importRootfs(Exchange x, String fromSrc) throws Exception {
        Request q = x.request();
        if (!fromSrc.equals("-")) {
            throw new HttpException(400, "berth does not fetch URLs: download " + fromSrc
                + " and send it as the request body with fromSrc=- (docker import FILE)");
        }
        String repo = q.query("repo");
        String tag = q.query("tag");
        ImageRef name = null;
        if (repo != null && !repo.isEmpty()) {
            name = reference(repo, tag);
            if (name.tag() == null && name.digest() == null) {
                name = name.withTag("latest");
            }
        }
        Image img;
        try {
            img = new ImageImporter(engine.images()).importRootfs(x.bodyStream(), q.queryAll("changes"), q.query("message"),
                "-", name, Platform.current());
        } catch (IOException e) {
            throw Images.http(e, null);
        }
        OutputStream out = x.stream(200, "application/json");
        out.write((Json.compact(Map.of("status", img.id().toString())) + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    // ---- load, save ----

    private void load(Exchange x) throws Exception {
        List<String> lines;
        try {
            lines = engine.imageAdmin().load(x.bodyStream());
        } catch (IOException e) {
            throw Images.http(e, null);
        }
        OutputStream out = x.stream(200, "application/json");
        for (String line : lines) {
            out.write((Json.compact(Map.of("stream", line + "\n")) + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        out.flush();
    }

    /** Every name is resolved before the head goes out: a missing one is a 404, not a torn archive. */
    private void save(Exchange x, List<String> names) throws Exception {
        if (names.isEmpty()) {
            throw new HttpException(400, "give the images to save: names=NAME (repeatable)");
        }
        ArchiveWriter writer;
        try {
            for (String n : names) {
                engine.imageAdmin().archive(List.of(n)); // finds which name is missing, for docker's message
            }
            writer = engine.imageAdmin().archive(names);
        } catch (ImageException.NotFound e) {
            throw new HttpException(404, e.getMessage().startsWith("no such image: ") ? "No such image: "
                + e.getMessage().substring("no such image: ".length()) : e.getMessage());
        } catch (IOException e) {
            throw Images.http(e, null);
        }
        OutputStream out = x.stream(200, "application/x-tar");
        writer.write(out);
        out.flush();
    }

    // ---- commit ----

    private void commit(Exchange x) throws Exception {
        Request q = x.request();
        x.body(1 << 20); // the Config to merge: the docker CLI sends null; berth takes the container's own
        String container = q.query("container");
        if (container == null || container.isEmpty()) {
            throw new HttpException(400, "give the container to commit: container=NAME");
        }
        String repo = q.query("repo");
        String tag = q.query("tag");
        String repository = null;
        if (repo != null && !repo.isEmpty()) {
            repository = tag == null || tag.isEmpty() ? repo : repo + ":" + tag;
        }
        String pause = q.query("pause");
        boolean paused = pause == null || pause.isEmpty() || Containers.flag(pause);
        String id = engine.commit(container, new CommitRequest(repository, empty(q.query("author")),
            empty(q.query("comment")), q.queryAll("changes"), paused));
        x.json(201, Map.of("Id", id));
    }

    private static String empty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    // ---- login ----

    /**
     * docker login through the daemon: the credentials are checked against the registry (a
     * token for no scope, or {@code GET /v2/} with Basic), nothing is saved (the client keeps
     * them). 401 with the registry's reason when they are refused.
     */
    private void auth(Exchange x) throws Exception {
        Map<String, Object> body;
        try {
            body = Json.parseObject(new String(x.body(64 * 1024), StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new HttpException(400, "invalid JSON: " + e.getMessage());
        }
        Credentials creds = credentials(body);
        if (creds == null) {
            throw new HttpException(400, "give a username and password to log in");
        }
        String server = body.get("serveraddress") instanceof String s && !s.isEmpty() ? s : "docker.io";
        try {
            try (RegistryClient c = new RegistryClient(DockerConfig.registryOf(server), Registries.fromEnv(), creds)) {
                c.login();
            }
        } catch (RegistryException.Unauthorized e) {
            throw new HttpException(401, Images.forDocker(e.getMessage()));
        } catch (IOException e) {
            throw Images.http(e, null);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("IdentityToken", "");
        out.put("Status", "Login Succeeded");
        x.json(200, out);
    }
}
