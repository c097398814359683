package dev.berth.image.registry;

import dev.berth.image.Digest;
import dev.berth.image.ImageException;
import dev.berth.image.Manifest;
import dev.berth.image.MediaTypes;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The OCI distribution API v2 of one registry ({@code docker.io}, {@code localhost:5000}),
 * over the JDK's HTTP client: manifests, blobs (ranged reads, HEAD, cross-repository mount,
 * monolithic and chunked uploads) and tag lists. Authentication, redirects and error messages
 * are {@link Transport}'s. Thread-safe: pulls fetch blobs from several threads at once.
 */
public final class RegistryClient implements AutoCloseable {
    /** What a pull accepts, best first. Schema 1 is not asked for (and refused when served). */
    static final String ACCEPT = String.join(", ", MediaTypes.OCI_INDEX, MediaTypes.DOCKER_LIST, MediaTypes.OCI_MANIFEST,
        MediaTypes.DOCKER_MANIFEST);
    private final Transport transport;

    public RegistryClient(String domain, Registries registries, Credentials credentials) {
        this.transport = new Transport(domain, registries, credentials);
    }

    /** A client with the credentials config.json holds for {@code domain}, if any. */
    public static RegistryClient of(String domain, Registries registries, DockerConfig config) throws IOException {
        return new RegistryClient(domain, registries, config.get(domain));
    }

    public String domain() {
        return transport.domain();
    }

    /** Ends the HTTP client's threads (see {@link Transport#close}); a later request starts a new one. */
    @Override
    public void close() {
        transport.close();
    }

    /**
     * Reaches the registry and checks the credentials (what {@code login} does before it saves
     * them): throws {@link RegistryException.Unauthorized} when they are refused.
     */
    public void login() throws IOException {
        transport.login();
    }

    /** A manifest or index as the registry serves it: exact bytes, media type, their digest. */
    public record Fetched(byte[] bytes, String mediaType, Digest digest) {}

    /**
     * {@code GET /v2/REPO/manifests/REFERENCE} (a tag or a digest). The digest is computed
     * over the bytes and must equal the reference when it is a digest, and the registry's
     * {@code Docker-Content-Digest}. Docker's schema 1 is refused.
     */
    public Fetched manifest(String repo, String reference) throws IOException {
        HttpResponse<InputStream> r = transport.send("GET", uri(repo, "manifests/" + reference),
            new String[] {"Accept", ACCEPT}, null, pull(repo));
        if (r.statusCode() != 200) {
            throw transport.error(r, "pull", repo, reference);
        }
        byte[] bytes = Transport.read(r.body(), (int) Manifest.MAX_JSON + 1);
        if (bytes.length > Manifest.MAX_JSON) {
            throw new ImageException.Refused("the manifest " + reference + " of " + name(repo) + " is larger than "
                + Manifest.MAX_JSON + " bytes; refused");
        }
        String type = r.headers().firstValue("Content-Type").orElse("");
        int semi = type.indexOf(';');
        type = (semi >= 0 ? type.substring(0, semi) : type).strip();
        Map<String, Object> json;
        try {
            json = Json.parseObject(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new RegistryException.Protocol("the manifest " + reference + " of " + name(repo) + " is not JSON: "
                + e.getMessage());
        }
        boolean schema1 = type.startsWith("application/vnd.docker.distribution.manifest.v1") || (json.get("schemaVersion") instanceof Number n && n.intValue() == 1);
        if (schema1) {
            throw new RegistryException.Protocol(name(repo) + ":" + reference + " is in docker's manifest schema 1,"
                + " deprecated since 2017 and not supported; push the image again with a current docker, podman or skopeo");
        }
        if (!MediaTypes.isIndex(type) && !MediaTypes.isManifest(type)) {
            // a registry that serves application/json: the document's own media type decides
            type = json.get("mediaType") instanceof String s ? s
                : json.get("manifests") != null ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        }
        if (!MediaTypes.isIndex(type) && !MediaTypes.isManifest(type)) {
            throw new RegistryException.Protocol(name(repo) + ":" + reference + " is a " + type
                + ", not an image manifest or index; berth pulls images only");
        }
        Digest digest = Digest.of(bytes);
        if (reference.startsWith("sha256:") && !reference.equals(digest.toString())) {
            throw new ImageException.DigestMismatch("the manifest served for " + name(repo) + "@" + reference
                + " has digest " + digest + ": the registry or something between is corrupt or tampering");
        }
        String header = r.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (header != null && header.startsWith("sha256:") && !header.equals(digest.toString())) {
            throw new ImageException.DigestMismatch("the manifest of " + name(repo) + ":" + reference + " has digest "
                + digest + " but the registry says " + header + "; refused");
        }
        return new Fetched(bytes, type, digest);
    }

    /** A blob's body, from {@code offset} when the registry honoured the range. */
    public record BlobStream(InputStream body, long offset) {}

    /**
     * {@code GET /v2/REPO/blobs/DIGEST}, ranged from {@code offset} when it is above 0
     * ({@code Range: bytes=OFFSET-}). The answer's offset is 0 when the registry sent the whole
     * blob instead. The caller verifies the content.
     */
    public BlobStream blob(String repo, Digest digest, long offset) throws IOException {
        String[] headers = offset > 0 ? new String[] {"Range", "bytes=" + offset + "-"} : null;
        PlainGet.Response p = transport.plainGet(uri(repo, "blobs/" + digest), headers, pull(repo));
        if (p != null) {
            if (p.status() == 200) {
                return new BlobStream(p.body(), 0);
            }
            if (offset > 0 && rangeStart(p.contentRange() == null ? "" : p.contentRange()) == offset) {
                return new BlobStream(p.body(), offset);
            }
            p.body().close();
            if (offset > 0) {
                return blob(repo, digest, 0); // a range other than the one asked for: start over
            }
            // a 206 not asked for: the JDK's client's path below judges it
        }
        HttpResponse<InputStream> r = transport.send("GET", uri(repo, "blobs/" + digest), headers, null, pull(repo));
        if (r.statusCode() == 416 && offset > 0) {
            r.body().close();
            return blob(repo, digest, 0);
        }
        if (r.statusCode() == 206 && offset > 0) {
            long start = rangeStart(r.headers().firstValue("Content-Range").orElse(""));
            if (start == offset) {
                return new BlobStream(r.body(), offset);
            }
            r.body().close();
            return blob(repo, digest, 0); // a range other than the one asked for: start over
        }
        if (r.statusCode() != 200) {
            throw transport.error(r, "pull", repo, digest.toString());
        }
        return new BlobStream(r.body(), 0);
    }

    /** {@code bytes START-END/SIZE} -> START, or -1. */
    private static long rangeStart(String contentRange) {
        String s = contentRange.strip();
        if (s.startsWith("bytes ")) {
            s = s.substring(6).strip();
        }
        int dash = s.indexOf('-');
        try {
            return dash > 0 ? Long.parseLong(s.substring(0, dash)) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** {@code HEAD /v2/REPO/blobs/DIGEST}: true when the repository has it. */
    public boolean hasBlob(String repo, Digest digest) throws IOException {
        HttpResponse<InputStream> r = transport.send("HEAD", uri(repo, "blobs/" + digest), null, null, push(repo, null));
        if (r.statusCode() == 200 || r.statusCode() == 404) {
            r.body().close();
            return r.statusCode() == 200;
        }
        throw transport.error(r, "push to", repo, digest.toString()); // reads the body: the registry's reason
    }

    /** True when the repository has the manifest (HEAD by digest). */
    public boolean hasManifest(String repo, Digest digest) throws IOException {
        HttpResponse<InputStream> r = transport.send("HEAD", uri(repo, "manifests/" + digest),
            new String[] {"Accept", ACCEPT}, null, push(repo, null));
        if (r.statusCode() == 200 || r.statusCode() == 404) {
            r.body().close();
            return r.statusCode() == 200;
        }
        throw transport.error(r, "push to", repo, digest.toString()); // reads the body: the registry's reason
    }

    /**
     * Starts an upload, first trying to mount {@code digest} from {@code from} (another
     * repository of this registry; may be null). Null when the mount did it, else the upload's
     * location.
     */
    public URI startUpload(String repo, Digest digest, String from) throws IOException {
        String query = from == null ? "" : "?mount=" + enc(digest.toString()) + "&from=" + enc(from);
        HttpResponse<InputStream> r = transport.send("POST", uri(repo, "blobs/uploads/" + query),
            new String[] {"Content-Type", "application/octet-stream"}, null, push(repo, from));
        if (r.statusCode() == 201 && from != null) {
            r.body().close();
            return null;
        }
        if (r.statusCode() != 202) {
            throw transport.error(r, "push to", repo, digest.toString());
        }
        r.body().close();
        return location(r, repo);
    }

    /** Opens {@code length} bytes of the blob from {@code offset}. */
    public interface Source {
        InputStream open(long offset, long length) throws IOException;
    }

    /**
     * Uploads a blob to a started upload: one {@code PUT ?digest=} with the whole body, or, with
     * {@code chunk} above 0 and smaller than the blob, {@code PATCH}es of {@code chunk} bytes
     * ({@code Content-Range: START-END}) and a closing empty {@code PUT ?digest=}.
     */
    public void upload(URI location, String repo, Digest digest, long size, long chunk, Source source) throws IOException {
        URI at = location;
        if (chunk > 0 && size > chunk) {
            for (long off = 0; off < size; off += chunk) {
                long len = Math.min(chunk, size - off);
                long start = off;
                HttpResponse<InputStream> r = transport.send("PATCH", at, new String[] {"Content-Type",
                    "application/octet-stream", "Content-Range", start + "-" + (start + len - 1)},
                    body(source, start, len), push(repo, null));
                if (r.statusCode() != 202) {
                    throw transport.error(r, "push to", repo, digest.toString());
                }
                r.body().close();
                at = location(r, repo);
            }
            finish(at, repo, digest, null);
            return;
        }
        finish(at, repo, digest, body(source, 0, size));
    }

    private void finish(URI at, String repo, Digest digest, Supplier<HttpRequest.BodyPublisher> body) throws IOException {
        String q = at.getRawQuery();
        URI put = URI.create(at.toString() + (q == null || q.isEmpty() ? "?" : "&") + "digest=" + enc(digest.toString()));
        HttpResponse<InputStream> r = transport.send("PUT", put, new String[] {"Content-Type", "application/octet-stream"},
            body, push(repo, null));
        if (r.statusCode() != 201 && r.statusCode() != 204) {
            throw transport.error(r, "push to", repo, digest.toString());
        }
        r.body().close();
    }

    private static Supplier<HttpRequest.BodyPublisher> body(Source source, long offset, long length) {
        return () -> HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                return source.open(offset, length);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }), length);
    }

    /** {@code PUT /v2/REPO/manifests/REFERENCE} with the exact bytes; returns the registry's digest. */
    public Digest putManifest(String repo, String reference, String mediaType, byte[] bytes) throws IOException {
        HttpResponse<InputStream> r = transport.send("PUT", uri(repo, "manifests/" + reference),
            new String[] {"Content-Type", mediaType}, () -> HttpRequest.BodyPublishers.ofByteArray(bytes), push(repo, null));
        if (r.statusCode() != 201 && r.statusCode() != 200) {
            throw transport.error(r, "push to", repo, reference);
        }
        r.body().close();
        Digest mine = Digest.of(bytes);
        String header = r.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (header != null && header.startsWith("sha256:") && !header.equals(mine.toString())) {
            throw new RegistryException.Protocol(name(repo) + " stored the manifest as " + header + " but its digest is "
                + mine + "; the registry changed it");
        }
        return mine;
    }

    /** Every tag of the repository ({@code GET /v2/REPO/tags/list}, following {@code Link} pages). */
    public List<String> tags(String repo) throws IOException {
        List<String> out = new ArrayList<>();
        URI next = uri(repo, "tags/list?n=1000");
        for (int page = 0; next != null && page < 1000; page++) {
            HttpResponse<InputStream> r = transport.send("GET", next, null, null, pull(repo));
            if (r.statusCode() != 200) {
                throw transport.error(r, "list the tags of", repo, null);
            }
            byte[] bytes = Transport.read(r.body(), 16 << 20);
            try {
                Map<String, Object> m = Json.parseObject(new String(bytes, StandardCharsets.UTF_8));
                if (m.get("tags") instanceof List<?> l) {
                    for (Object o : l) {
                        out.add(String.valueOf(o));
                    }
                }
            } catch (JsonException e) {
                throw new RegistryException.Protocol("the tag list of " + name(repo) + " is not JSON: " + e.getMessage());
            }
            next = nextPage(r.headers().firstValue("Link").orElse(null), next);
        }
        return out;
    }

    /**
     * docker's index search ({@code GET /v1/search?q=QUERY&n=LIMIT}; Docker Hub's is at
     * index.docker.io): the answer's {@code results}, or null when the registry does not serve
     * it (a distribution v2 registry answers 404).
     */
    public List<Map<String, Object>> searchV1(String query, int limit) throws IOException {
        URI base = domain().equals("docker.io") ? URI.create("https://index.docker.io/") : transport.base();
        URI u = base.resolve("v1/search?q=" + enc(query) + "&n=" + limit);
        HttpResponse<InputStream> r = transport.send("GET", u, new String[] {"Accept", "application/json"}, null,
            new String[0]);
        if (r.statusCode() == 401 || r.statusCode() == 403 || r.statusCode() >= 500) {
            throw transport.error(r, "search");
        }
        byte[] bytes = Transport.read(r.body(), 16 << 20);
        if (r.statusCode() != 200) {
            return null;
        }
        try {
            Map<String, Object> m = Json.parseObject(new String(bytes, StandardCharsets.UTF_8));
            if (!(m.get("results") instanceof List<?> l)) {
                return null;
            }
            List<Map<String, Object>> out = new ArrayList<>();
            for (Object o : l) {
                if (o instanceof Map<?, ?> raw) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> e = (Map<String, Object>) raw;
                    out.add(e);
                }
            }
            return out;
        } catch (JsonException e) {
            return null; // a page of a server that is no index
        }
    }

    /**
     * Every repository of the registry ({@code GET /v2/_catalog}, following {@code Link} pages,
     * with the scope {@code registry:catalog:*}), or null when the registry has no catalog.
     */
    public List<String> catalog() throws IOException {
        List<String> out = new ArrayList<>();
        URI next = transport.base().resolve("v2/_catalog?n=1000");
        for (int page = 0; next != null && page < 1000; page++) {
            HttpResponse<InputStream> r = transport.send("GET", next, null, null, new String[] {"registry:catalog:*"});
            if (r.statusCode() == 404 || r.statusCode() == 405) {
                r.body().close();
                return null;
            }
            if (r.statusCode() != 200) {
                throw transport.error(r, "list the repositories of");
            }
            byte[] bytes = Transport.read(r.body(), 16 << 20);
            try {
                Map<String, Object> m = Json.parseObject(new String(bytes, StandardCharsets.UTF_8));
                if (m.get("repositories") instanceof List<?> l) {
                    for (Object o : l) {
                        out.add(String.valueOf(o));
                    }
                }
            } catch (JsonException e) {
                throw new RegistryException.Protocol("the catalog of " + domain() + " is not JSON: " + e.getMessage());
            }
            next = nextPage(r.headers().firstValue("Link").orElse(null), next);
        }
        return out;
    }

    /** {@code <URL>; rel="next"} -> URL resolved against {@code at}, or null. */
    private static URI nextPage(String link, URI at) {
        if (link == null || !link.contains("rel=\"next\"")) {
            return null;
        }
        int a = link.indexOf('<');
        int b = link.indexOf('>', a + 1);
        return a >= 0 && b > a ? at.resolve(link.substring(a + 1, b)) : null;
    }

    private URI location(HttpResponse<InputStream> r, String repo) throws IOException {
        String loc = r.headers().firstValue("Location").orElse(null);
        if (loc == null || loc.isEmpty()) {
            throw new RegistryException.Protocol(name(repo) + " started an upload without a Location; the registry is broken");
        }
        return r.request().uri().resolve(loc);
    }

    private URI uri(String repo, String rest) throws IOException {
        return transport.base().resolve("v2/" + repo + "/" + rest);
    }

    private String name(String repo) {
        return domain() + "/" + repo;
    }

    private static String[] pull(String repo) {
        return new String[] {"repository:" + repo + ":pull"};
    }

    private static String[] push(String repo, String mountFrom) {
        if (mountFrom == null) {
            return new String[] {"repository:" + repo + ":pull,push"};
        }
        return new String[] {"repository:" + repo + ":pull,push", "repository:" + mountFrom + ":pull"};
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
