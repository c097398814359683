package dev.berth.image.registry;

import dev.berth.image.Descriptor;
import dev.berth.image.Digest;
import dev.berth.image.ImageException;
import dev.berth.image.ImageIndex;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageStore;
import dev.berth.image.Manifest;
import dev.berth.image.MediaTypes;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code berth push}: blobs first (a {@code HEAD} skips what the repository has; a blob that
 * another repository of the same registry holds is mounted from it; the rest is uploaded in one
 * {@code PUT} or in {@code PATCH} chunks), then each platform's manifest by digest when the image
 * is an index, then the top manifest or index by tag, with the exact bytes of the store so that
 * its digest stays the same.
 */
public final class Pusher implements AutoCloseable {
    private final ImageStore store;
    private final Registries registries;
    private final DockerConfig config;
    private final Credentials given;
    private final Map<String, RegistryClient> clients = new HashMap<>();
    private long chunk;
    private int parallel = 5;

    /** What was pushed: the remote name, the digest and size of its manifest (or index). */
    public record Result(ImageRef ref, Digest digest, long size) {}

    public Pusher(ImageStore store, Registries registries, DockerConfig config) {
        this(store, registries, config, null);
    }

    private Pusher(ImageStore store, Registries registries, DockerConfig config, Credentials given) {
        this.store = store;
        this.registries = registries;
        this.config = config;
        this.given = given;
    }

    /**
     * A pusher with the caller's credentials (null: anonymous) instead of config.json's: the
     * daemon's, which gets them from the client's {@code X-Registry-Auth} header, as dockerd does.
     */
    public static Pusher withCredentials(ImageStore store, Registries registries, Credentials credentials) {
        return new Pusher(store, registries, null, credentials);
    }

    /**
     * The local tags of {@code repository} (a name without tag or digest), sorted: what
     * {@code push --all-tags} sends. Empty when the store has none.
     */
    public List<ImageRef> tags(ImageRef repository) throws IOException {
        List<ImageRef> out = new ArrayList<>();
        for (String t : new java.util.TreeSet<>(store.refs().tags().keySet())) {
            ImageRef r;
            try {
                r = ImageRef.parse(t);
            } catch (ImageException.InvalidReference bad) {
                continue;
            }
            if (r.tag() != null && r.name().equals(repository.name())) {
                out.add(r);
            }
        }
        return out;
    }

    /** Ends the registry clients' threads: a JVM halting with one alive waits 300 ms for it. */
    @Override
    public synchronized void close() {
        for (RegistryClient c : clients.values()) {
            c.close();
        }
        clients.clear();
    }

    /** Uploads blobs larger than {@code bytes} in chunks of that size; 0 (the default) sends each in one PUT. */
    public Pusher chunkSize(long bytes) {
        this.chunk = bytes;
        return this;
    }

    /** Uploads at once (default 5, as docker's). */
    public Pusher parallel(int n) {
        this.parallel = Math.max(1, n);
        return this;
    }

    synchronized RegistryClient client(String domain) throws IOException {
        RegistryClient c = clients.get(domain);
        if (c == null) {
            c = config == null ? new RegistryClient(domain, registries, given) : RegistryClient.of(domain, registries, config);
            clients.put(domain, c);
        }
        return c;
    }

    /**
     * Pushes the image {@code local} names in the store as {@code remote} (its tag, else the
     * local one, or its digest).
     */
    public Result push(ImageRef local, ImageRef remote, Progress progress) throws IOException {
        Result r = send(local, remote, progress);
        dev.berth.image.ImageEvents.log(store, "push", r.ref().familiar(), new ImageRef(r.ref().domain(), r.ref().path(),
            null, null).familiar());
        return r;
    }

    private Result send(ImageRef local, ImageRef remote, Progress progress) throws IOException {
        Digest top = store.resolve(local);
        byte[] topBytes = store.blobs().read(top, Manifest.MAX_JSON);
        RegistryClient c = client(remote.domain());
        String repo = remote.path();
        String from = local.domain().equals(remote.domain()) && !local.path().equals(repo) ? local.path() : null;
        String type = mediaType(topBytes);
        if (MediaTypes.isIndex(type)) {
            for (Descriptor d : ImageIndex.parse(topBytes).manifests()) {
                if (store.blobs().has(d.digest())) {
                    byte[] bytes = store.blobs().read(d.digest(), Manifest.MAX_JSON);
                    pushImage(c, repo, remote.domain(), from, Manifest.parse(bytes), progress);
                    c.putManifest(repo, d.digest().toString(), mediaType(bytes), bytes);
                } else if (!c.hasManifest(repo, d.digest())) {
                    throw new ImageException.NotFound("the index " + top + " lists " + (d.platform() == null ? d.digest()
                        : d.platform().toString()) + ", which is neither in the store nor in " + remote.domain() + "/"
                        + repo + "; pull it first (berth pull --platform " + d.platform() + " " + local.familiar() + ")");
                }
            }
        } else {
            pushImage(c, repo, remote.domain(), from, Manifest.parse(topBytes), progress);
        }
        String reference = remote.tag() != null ? remote.tag() : local.tag() != null ? local.tag() : top.toString();
        c.putManifest(repo, reference, type, topBytes);
        ImageRef pushed = reference.startsWith("sha256:") ? new ImageRef(remote.domain(), repo, null, top)
            : new ImageRef(remote.domain(), repo, reference, null);
        return new Result(pushed, top, topBytes.length);
    }

    private static String mediaType(byte[] json) throws ImageException {
        Map<String, Object> m;
        try {
            m = Json.parseObject(new String(json, StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new ImageException.BadFormat("a manifest in the store is not JSON: " + e.getMessage());
        }
        if (m.get("mediaType") instanceof String s) {
            return s;
        }
        return m.get("manifests") != null ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
    }

    /** The config and layers of one manifest, in parallel. */
    private void pushImage(RegistryClient c, String repo, String domain, String from, Manifest m, Progress progress)
        throws IOException {
        progress.layers(m.layers());
        List<Descriptor> blobs = new ArrayList<>(m.layers());
        blobs.add(m.config());
        Set<Digest> seen = new HashSet<>();
        Transfers transfers = new Transfers(parallel);
        Map<Digest, String> sources = mountSources(domain, repo, from);
        for (Descriptor d : blobs) {
            if (!seen.add(d.digest())) {
                continue;
            }
            if (store.blobs().size(d.digest()) != d.size()) {
                throw new ImageException.NotFound("blob " + d.digest() + " of the image is not in the store (or has another"
                    + " size); pull the image again");
            }
            progress.layer(d, "Preparing", -1, d.size());
            transfers.start("push-" + d.digest().hex().substring(0, 12),
                failure -> pushBlob(c, repo, d, sources.get(d.digest()), progress));
        }
        transfers.await("pushing");
    }

    private void pushBlob(RegistryClient c, String repo, Descriptor d, String from, Progress progress) throws IOException {
        if (c.hasBlob(repo, d.digest())) {
            progress.layer(d, "Layer already exists", -1, d.size());
            return;
        }
        URI location = c.startUpload(repo, d.digest(), from);
        if (location == null) {
            progress.layer(d, "Mounted from " + from, -1, d.size());
            return;
        }
        progress.layer(d, "Pushing", 0, d.size());
        c.upload(location, repo, d.digest(), d.size(), chunk, (offset, length) -> {
            InputStream in;
            boolean whole = offset == 0 && length == d.size();
            if (whole) {
                in = store.blobs().open(d.digest()); // verified: a damaged local blob fails here, not at the registry
            } else {
                FileChannel ch = FileChannel.open(store.blobs().path(d.digest()), StandardOpenOption.READ);
                ch.position(offset);
                in = Channels.newInputStream(ch);
            }
            return new Counting(in, offset, length, whole, n -> progress.layer(d, "Pushing", n, d.size()));
        });
        progress.layer(d, "Pushed", d.size(), d.size());
    }

    /**
     * Blobs that other repositories of the same registry hold, as far as the store knows: the
     * repository the image came from first, then those of other tags on that registry.
     */
    private Map<Digest, String> mountSources(String domain, String repo, String from) throws IOException {
        Map<Digest, String> out = new LinkedHashMap<>();
        List<Map.Entry<String, Digest>> tags = new ArrayList<>(store.refs().tags().entrySet());
        for (Map.Entry<String, Digest> e : tags) {
            ImageRef r;
            try {
                r = ImageRef.parse(e.getKey());
            } catch (ImageException.InvalidReference bad) {
                continue;
            }
            if (!r.domain().equals(domain) || r.path().equals(repo)) {
                continue;
            }
            boolean preferred = r.path().equals(from);
            for (Digest b : blobsOf(e.getValue())) {
                if (preferred || !out.containsKey(b)) {
                    out.put(b, r.path());
                }
            }
        }
        return out;
    }

    private List<Digest> blobsOf(Digest top) throws IOException {
        List<Digest> out = new ArrayList<>();
        if (!store.blobs().has(top)) {
            return out;
        }
        byte[] bytes = store.blobs().read(top, Manifest.MAX_JSON);
        try {
            if (MediaTypes.isIndex(mediaType(bytes))) {
                for (Descriptor d : ImageIndex.parse(bytes).manifests()) {
                    if (store.blobs().has(d.digest())) {
                        out.addAll(blobsOf(d.digest()));
                    }
                }
                return out;
            }
            Manifest m = Manifest.parse(bytes);
            out.add(m.config().digest());
            for (Descriptor l : m.layers()) {
                out.add(l.digest());
            }
        } catch (ImageException e) {
            // not an image this push can mount from
        }
        return out;
    }

    /** Reports the offset as bytes go out, and stops after {@code length}. */
    private static final class Counting extends FilterInputStream {
        private final java.util.function.LongConsumer progress;
        private long position;
        private long left;
        private boolean drain;

        Counting(InputStream in, long offset, long length, boolean drain, java.util.function.LongConsumer progress) {
            super(in);
            this.drain = drain;
            this.position = offset;
            this.left = length;
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                if (drain) {
                    // read the whole stream to its end, so a verifying stream checks the digest
                    drain = false;
                    if (in.read(new byte[1], 0, 1) >= 0) {
                        throw new ImageException.DigestMismatch("a blob in the store is longer than its descriptor says;"
                            + " the store is damaged, pull the image again");
                    }
                }
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
                position += n;
                progress.accept(position);
            }
            return n;
        }
    }
}
