package dev.berth.image.registry;

import dev.berth.image.Descriptor;
import dev.berth.image.Digest;
import dev.berth.image.ImageConfig;
import dev.berth.image.ImageException;
import dev.berth.image.ImageIndex;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageStore;
import dev.berth.image.Lease;
import dev.berth.image.Manifest;
import dev.berth.image.MediaTypes;
import dev.berth.image.PartialBlob;
import dev.berth.image.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code berth pull}: resolves a tag to a manifest or index, picks the platform's manifest from
 * an index, downloads the config and the layers in parallel ({@link Transfers}: platform threads, at most
 * {@link #parallel} at once, as docker's three) straight into the store's verified ingest, and
 * registers the image as {@code ImageLoader} does: every blob first, then keep and tag, all
 * under a store lease, so a failed pull leaves nothing referenced. A layer download that breaks
 * off is resumed with a {@code Range} request from the partial file it left (in this pull's
 * retries, or in the next pull after this process died). Every blob is checked against its
 * digest and size before it gets its name; manifests are checked when fetched.
 */
public final class Puller implements AutoCloseable {
    private final ImageStore store;
    private final Registries registries;
    private final DockerConfig config;
    private final Credentials given;
    private final Map<String, RegistryClient> clients = new LinkedHashMap<>();
    private int parallel = 3;
    private int attempts = 3;
    private long retryDelayMillis = 1000;
    private long maxBlob = 64L << 30;
    private long stallMillis = 60_000;

    /** What a pull did: the name, the digest docker prints (index or manifest), the platform's manifest. */
    public record Result(ImageRef ref, Digest digest, String mediaType, Digest manifest, boolean updated) {}

    public Puller(ImageStore store, Registries registries, DockerConfig config) {
        this(store, registries, config, null);
    }

    private Puller(ImageStore store, Registries registries, DockerConfig config, Credentials given) {
        this.store = store;
        this.registries = registries;
        this.config = config;
        this.given = given;
    }

    /**
     * A puller with the caller's credentials (null: anonymous) instead of config.json's: the
     * daemon's, which gets them from the client's {@code X-Registry-Auth} header, as dockerd does.
     */
    public static Puller withCredentials(ImageStore store, Registries registries, Credentials credentials) {
        return new Puller(store, registries, null, credentials);
    }

    /** Ends the registry clients' threads: a JVM halting with one alive waits 300 ms for it. */
    @Override
    public synchronized void close() {
        for (RegistryClient c : clients.values()) {
            c.close();
        }
        clients.clear();
    }

    /** Downloads at once (default 3). */
    public Puller parallel(int n) {
        this.parallel = Math.max(1, n);
        return this;
    }

    /** Tries per blob (default 3); each after the first resumes where the last stopped. */
    public Puller attempts(int n, long delayMillis) {
        this.attempts = Math.max(1, n);
        this.retryDelayMillis = delayMillis;
        return this;
    }

    /** The largest blob accepted (default 64 GiB). */
    public Puller maxBlob(long bytes) {
        this.maxBlob = bytes;
        return this;
    }

    /** A download that receives nothing for this long is broken off and retried (default 60 s). */
    public Puller stallTimeout(long millis) {
        this.stallMillis = millis;
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

    /** Every tag of {@code repository}'s repository, each pulled in turn ({@code pull --all-tags}). */
    public List<Result> pullAllTags(ImageRef repository, Platform platform, boolean platformGiven, Progress progress)
        throws IOException {
        List<Result> out = new ArrayList<>();
        for (String tag : client(repository.domain()).tags(repository.path())) {
            out.add(pull(repository.withTag(tag), platform, platformGiven, progress));
        }
        return out;
    }

    /**
     * Pulls {@code ref} (by tag or digest) for {@code platform}. With {@code platformGiven}, a
     * single-platform image of another platform is refused (docker's {@code --platform}).
     */
    public Result pull(ImageRef ref, Platform platform, boolean platformGiven, Progress progress) throws IOException {
        Result r = fetch(ref, platform, platformGiven, progress);
        dev.berth.image.ImageEvents.log(store, "pull", ref.familiar(), new ImageRef(ref.domain(), ref.path(), null, null)
            .familiar());
        return r;
    }

    private Result fetch(ImageRef ref, Platform platform, boolean platformGiven, Progress progress) throws IOException {
        RegistryClient c = client(ref.domain());
        String repo = ref.path();
        String reference = ref.digest() != null ? ref.digest().toString() : ref.tag();
        try (Lease lease = store.lease()) {
            dev.berth.runtime.Trace.mark("pull started");
            RegistryClient.Fetched top = c.manifest(repo, reference);
            dev.berth.runtime.Trace.mark("manifest fetched");
            RegistryClient.Fetched man = top;
            if (MediaTypes.isIndex(top.mediaType())) {
                ImageIndex index = ImageIndex.parse(top.bytes());
                Descriptor d = index.pick(platform);
                if (d == null) {
                    throw new ImageException.NotFound(ref.familiar() + " has no image for " + platform + " (it has "
                        + platforms(index) + "); choose one with --platform");
                }
                man = c.manifest(repo, d.digest().toString());
                if (man.bytes().length != d.size()) {
                    throw new ImageException.DigestMismatch("the manifest " + d.digest() + " has " + man.bytes().length
                        + " bytes but the index says " + d.size() + "; refused");
                }
                if (!MediaTypes.isManifest(man.mediaType())) {
                    throw new ImageException.BadFormat("the index of " + ref.familiar() + " points at another index for "
                        + platform + "; nested indexes are not pulled");
                }
            }
            Manifest m = Manifest.parse(man.bytes());
            progress.layers(m.layers());
            List<Descriptor> blobs = new ArrayList<>();
            blobs.add(m.config());
            blobs.addAll(m.layers());
            fetchAll(c, repo, blobs, progress);
            dev.berth.runtime.Trace.mark("blobs fetched");
            ImageConfig cfg = ImageConfig.parse(store.blobs().read(m.config().digest(), Manifest.MAX_JSON));
            if (cfg.diffIds().size() != m.layers().size()) {
                throw new ImageException.BadFormat("image " + ref.familiar() + ": the config lists " + cfg.diffIds().size()
                    + " layers and the manifest " + m.layers().size() + "; refused");
            }
            if (platformGiven && top == man && cfg.os() != null && cfg.architecture() != null
                && !new Platform(cfg.os(), cfg.architecture(), null).matches(platform)) {
                throw new ImageException.NotFound(ref.familiar() + " is an image for " + cfg.os() + "/" + cfg.architecture()
                    + ", not " + platform + "; pull it without --platform or choose another image");
            }
            // manifests last: their digests were checked when fetched, put() computes the same
            store.blobs().put(man.bytes());
            if (top != man) {
                store.blobs().put(top.bytes());
            }
            Digest before = ref.tag() == null ? null : store.refs().tags().get(new ImageRef(ref.domain(), ref.path(),
                ref.tag(), null).toString());
            store.keep(top.digest());
            if (ref.tag() != null) {
                store.tag(ref, top.digest());
            }
            dev.berth.runtime.Trace.mark("image kept");
            for (Descriptor l : m.layers()) {
                progress.layer(l, "Pull complete", -1, l.size());
            }
            return new Result(ref, top.digest(), top.mediaType(), man.digest(), !top.digest().equals(before));
        }
    }

    private static String platforms(ImageIndex index) {
        List<String> out = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            if (d.platform() != null) {
                out.add(d.platform().toString());
            }
        }
        return out.isEmpty() ? "none named" : String.join(", ", out);
    }

    /** Downloads every blob not in the store yet, in parallel; the first failure stops the rest. */
    private void fetchAll(RegistryClient c, String repo, List<Descriptor> blobs, Progress progress) throws IOException {
        Transfers transfers = new Transfers(parallel);
        List<Digest> seen = new ArrayList<>();
        for (Descriptor d : blobs) {
            if (seen.contains(d.digest())) {
                continue; // the same layer twice in one image
            }
            seen.add(d.digest());
            if (d.size() > maxBlob) {
                throw new ImageException.Refused("blob " + d.digest() + " has " + d.size() + " bytes, more than the limit of "
                    + maxBlob);
            }
            if (store.blobs().size(d.digest()) == d.size()) {
                progress.layer(d, "Already exists", -1, d.size());
                continue;
            }
            progress.layer(d, "Pulling fs layer", 0, d.size());
            transfers.start("pull-" + d.digest().hex().substring(0, 12), failure -> fetch(c, repo, d, progress, failure));
        }
        transfers.await("pulling");
        store.blobs().syncNames();
    }

    /** One blob, with retries that resume; a wrong digest after a resume is retried once from zero. */
    private void fetch(RegistryClient c, String repo, Descriptor d, Progress progress, AtomicReference<Throwable> failure)
        throws IOException, InterruptedException {
        boolean restarted = false;
        for (int attempt = 1; ; attempt++) {
            Watchdog dog = new Watchdog(stallMillis);
            try (dog; PartialBlob p = store.blobs().partial(d.digest(), d.size())) {
                if (p == null) {
                    // another pull writes this blob's partial file: write a private copy
                    RegistryClient.BlobStream s = c.blob(repo, d.digest(), 0);
                    try (InputStream in = new Watched(s.body(), dog)) {
                        store.blobs().put(in, d.digest(), d.size(), maxBlob);
                    }
                    progress.layer(d, "Download complete", d.size(), d.size());
                    return;
                }
                long offset = p.offset();
                if (offset < d.size()) {
                    // (a partial file that is already whole, from a pull stopped before its check, needs no request)
                    RegistryClient.BlobStream s = c.blob(repo, d.digest(), offset);
                    if (s.offset() != offset) {
                        p.restart(); // the registry ignored the range
                    }
                    dev.berth.runtime.Trace.mark("blob response " + d.digest().hex().substring(0, 12));
                    readInto(p, s, d, dog, progress, failure);
                }
                if (p.offset() < d.size()) {
                    throw new IOException("the registry ended " + d.digest() + " after " + p.offset() + " of " + d.size()
                        + " bytes");
                }
                dev.berth.runtime.Trace.mark("blob read " + d.digest().hex().substring(0, 12));
                progress.layer(d, "Verifying Checksum", d.size(), d.size());
                try {
                    p.commit(false); // the names are made durable together, after every blob is in
                } catch (ImageException.DigestMismatch e) {
                    if (offset > 0 && !restarted) {
                        restarted = true; // the bytes kept from before may be what was wrong
                        attempt--;
                        continue;
                    }
                    throw e;
                }
                progress.layer(d, "Download complete", d.size(), d.size());
                return;
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            } catch (ImageException | RegistryException.NotFound | RegistryException.Unauthorized
                | RegistryException.Denied | RegistryException.Protocol e) {
                throw e;
            } catch (IOException e) {
                if (dog.fired()) {
                    Thread.interrupted(); // the watchdog's interrupt, not the caller's
                    String quiet = stallMillis < 1000 ? stallMillis + " ms" : stallMillis / 1000 + " s";
                    e = new IOException("the registry sent nothing for " + quiet + " while sending "
                        + d.digest() + "; check the network and try again", e);
                }
                if (attempt >= attempts || failure.get() != null) {
                    throw e;
                }
                long wait = retryDelayMillis * attempt;
                progress.layer(d, "Retrying in " + Math.max(1, wait / 1000) + " second" + (wait > 1000 ? "s" : ""), -1,
                    d.size());
                Thread.sleep(wait);
            }
        }
    }

    private static void readInto(PartialBlob p, RegistryClient.BlobStream s, Descriptor d, Watchdog dog, Progress progress,
        AtomicReference<Throwable> failure) throws IOException {
        try (InputStream in = s.body()) {
            java.util.function.LongConsumer step = n -> {
                if (failure.get() != null) {
                    throw new java.io.UncheckedIOException(new IOException("cancelled: another download failed"));
                }
                dog.alive();
                progress.layer(d, "Downloading", n, d.size());
            };
            if (in instanceof dev.berth.image.Chunks chunks) {
                p.append(chunks, step); // the client's buffers, hashed and written as they are
            } else {
                p.append(in, step);
            }
        }
    }

    /**
     * Interrupts the downloading thread when no bytes came for the stall time: the JDK's HTTP
     * client has no read timeout for a body, and a registry or proxy that stops sending
     * mid-blob would otherwise hang the pull.
     */
    /** A body whose every read tells the watchdog that bytes still come. */
    private static final class Watched extends java.io.FilterInputStream {
        private final Watchdog dog;

        Watched(InputStream in, Watchdog dog) {
            super(in);
            this.dog = dog;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            dog.alive();
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = in.read(buf, off, len);
            dog.alive();
            return n;
        }
    }

    private static final class Watchdog implements AutoCloseable {
        private final Thread reader = Thread.currentThread();
        private final long limitNanos;
        private final java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        private final java.util.concurrent.atomic.AtomicBoolean fired = new java.util.concurrent.atomic.AtomicBoolean();
        private final Thread thread;

        Watchdog(long stallMillis) {
            this.limitNanos = stallMillis * 1_000_000L;
            long tick = Math.max(10, stallMillis / 4);
            thread = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Thread.sleep(tick);
                        if (System.nanoTime() - last.get() > limitNanos) {
                            fired.set(true);
                            reader.interrupt();
                            return;
                        }
                    }
                } catch (InterruptedException e) {
                    // closed
                }
            });
        }

        void alive() {
            last.set(System.nanoTime());
        }

        boolean fired() {
            return fired.get();
        }

        @Override
        public void close() {
            thread.interrupt();
            if (fired.get()) {
                Thread.interrupted(); // fired after the last read: nobody must see it
            }
        }
    }
}
