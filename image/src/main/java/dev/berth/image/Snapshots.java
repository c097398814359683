package dev.berth.image;

import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Unpacked layers under {@code ROOT/images/layers} (docs/images.md, "Snapshots and running
 * images"), each unpacked once and shared by every image and container that has it.
 *
 * <pre>
 * layers/KEY/opaque                the opaque directories of a layer (read without FFM)
 * layers/CHAIN[-UID-GID][-ux]/fs   one layer as an overlayfs lower directory, named by its chain id
 *                                  (so its name depends on its parents, as containerd's do), the id
 *                                  shift of a user namespace, and the opaque xattr (ux: user.*)
 * layers/flat-CHAIN.../fs          every layer up to CHAIN applied (the copy fallback's source)
 * layers/empty/fs                  the lower directory of an image without layers
 * layers/tmp/PID-N-KEY/            an unpack in progress (renamed into place when complete)
 * layers/users/HOLDER              a container using snapshots: its directory, then the keys
 * layers/layers.lock               held while users are added and snapshots removed
 * </pre>
 *
 * A snapshot is written into {@code tmp/} and renamed into place: a name only ever holds a
 * complete, verified layer. Two unpackers of one layer race harmlessly: the rename of the
 * second fails (the name holds a non-empty directory) and it deletes its copy. A holder that
 * is gone (its directory no longer exists) holds nothing, so a crash cannot pin a layer.
 */
public final class Snapshots {
    private static final AtomicLong SEQ = new AtomicLong();
    private static final String EMPTY = "empty";
    /** Beside {@code fs}: the opaque directories of a layer, one relative path a line (for {@link LayerView}). */
    static final String OPAQUE_LIST = "opaque";

    /**
     * How layers are unpacked: owners shifted by the host ids of a user namespace's root, and
     * the opaque-directory xattr overlayfs reads ({@code user.overlay.opaque} when it is mounted
     * inside a user namespace, with {@code userxattr}; {@code trusted.overlay.opaque} otherwise).
     */
    public record Mapping(int uidShift, int gidShift, boolean userXattr) {
        /** Root's own containers: owners as in the image, trusted xattrs. */
        public static final Mapping HOST = new Mapping(0, 0, false);

        String suffix() {
            String s = uidShift == 0 && gidShift == 0 ? "" : "-" + uidShift + "-" + gidShift;
            return userXattr ? s + "-ux" : s;
        }
    }

    /** The snapshots a holder uses: their keys and their directories, lowest layer first. */
    public record Use(List<String> keys, List<Path> dirs) {}

    /** One snapshot on disk and the holders using it. */
    public record Info(String key, Path dir, List<String> users) {}

    private final ImageStore images;
    private final Path dir;
    private final Path tmp;
    private final Path users;
    private final StoreLock lock;

    private Snapshots(ImageStore images, Path dir) {
        this.images = images;
        this.dir = dir;
        this.tmp = dir.resolve("tmp");
        this.users = dir.resolve("users");
        this.lock = StoreLock.of(dir.resolve("layers.lock"));
    }

    /** The snapshots of {@code images}, in {@code images.dir()/layers} (created if needed). */
    public static Snapshots open(ImageStore images) throws IOException {
        Path dir = images.dir().resolve("layers");
        if (!Files.isDirectory(dir.resolve("users"))) {
            Files.createDirectories(dir.resolve("tmp"));
            Files.createDirectories(dir.resolve("users"));
            // 0711: a user namespace's root mounts the layers and must pass through; each
            // snapshot below is 0700 and owned by the root it was unpacked for
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        }
        return new Snapshots(images, dir);
    }

    public Path dir() {
        return dir;
    }

    /** The chain ids of layers with these diff ids: {@code chain(n) = sha256(chain(n-1) + " " + diff(n))}. */
    public static List<Digest> chainIds(List<Digest> diffIds) {
        List<Digest> out = new ArrayList<>();
        Digest chain = null;
        for (Digest d : diffIds) {
            chain = chain == null ? d : Digest.of((chain + " " + d).getBytes(StandardCharsets.US_ASCII));
            out.add(chain);
        }
        return out;
    }

    /** The keys (directory names) of an image's layers, lowest first, or of its flat copy. */
    public static List<String> keys(Image image, Mapping m, boolean flat) {
        List<Digest> chains = chainIds(image.config().diffIds());
        if (chains.isEmpty()) {
            return List.of(EMPTY);
        }
        if (flat) {
            return List.of("flat-" + chains.get(chains.size() - 1).hex() + m.suffix());
        }
        List<String> out = new ArrayList<>();
        for (Digest c : chains) {
            out.add(c.hex() + m.suffix());
        }
        return out;
    }

    /**
     * Unpacks what is missing of {@code image} (its layers, or with {@code flat} one directory
     * with all of them applied) and records {@code holder} as their user, so that
     * {@link #remove} refuses them until {@link #release} or until {@code holderDir} is gone.
     */
    public Use use(String holder, Path holderDir, Image image, Mapping m, boolean flat, Consumer<String> warnings)
        throws IOException {
        List<String> keys = keys(image, m, flat);
        for (int attempt = 0; ; attempt++) {
            try (Lease l = images.lease()) { // blobs stay while they are read
                if (flat) {
                    ensure(keys.get(0), m, warnings, target -> {
                        if (!image.manifest().layers().isEmpty()) {
                            images.unpack(image, target, options(m, UnpackOptions.Whiteouts.FLAT, warnings));
                        }
                    });
                } else if (image.manifest().layers().isEmpty()) {
                    ensure(EMPTY, m, warnings, target -> { });
                } else {
                    ensureLayers(image, keys, m, warnings);
                }
            }
            try (Lease l = lock.exclusive()) {
                if (allPresent(keys)) {
                    StringBuilder sb = new StringBuilder(holderDir.toAbsolutePath().toString()).append('\n');
                    for (String k : keys) {
                        sb.append(k).append('\n');
                    }
                    AtomicFiles.write(users.resolve(holder), sb.toString().getBytes(StandardCharsets.UTF_8), false);
                    List<Path> dirs = new ArrayList<>();
                    for (String k : keys) {
                        dirs.add(fs(k));
                    }
                    return new Use(List.copyOf(keys), List.copyOf(dirs));
                }
            }
            if (attempt == 2) { // removed three times while we unpacked: someone prunes in a loop
                throw new ImageException.NotFound("the layers of image " + image.id() + " were removed while they"
                    + " were unpacked; try again");
            }
        }
    }

    /** Forgets {@code holder}'s use of snapshots (a container removed); nothing is deleted. */
    public void release(String holder) throws IOException {
        Files.deleteIfExists(users.resolve(holder));
    }

    /**
     * {@link #release} without opening the store (the engine's removal path): the record of
     * {@code holder} in the store of the state root {@code root}.
     */
    public static void release(Path root, String holder) throws IOException {
        Files.deleteIfExists(root.resolve("images").resolve("layers").resolve("users").resolve(holder));
    }

    /** The directory overlayfs reads of a snapshot. */
    public Path fs(String key) {
        return dir.resolve(key).resolve("fs");
    }

    /**
     * Deletes one snapshot ({@code key} as {@link #keys} names it, or a bare chain id, which
     * removes every mapping of it). False when there was none; {@link ImageException.InUse} when a
     * container uses it.
     */
    public boolean remove(String key) throws IOException {
        try (Lease l = lock.exclusive()) {
            Set<String> used = usedKeys();
            List<String> victims = new ArrayList<>();
            for (String k : snapshotKeys()) {
                if (k.equals(key) || chainHex(k).equals(key) && !key.isEmpty()) {
                    if (used.contains(k)) {
                        throw new ImageException.InUse("layer " + k + " is in use by a container;"
                            + " remove the containers built on it first");
                    }
                    victims.add(k);
                }
            }
            for (String k : victims) {
                delete(k);
            }
            return !victims.isEmpty();
        }
    }

    /** What {@link #prune} removed. */
    public record PruneResult(int removed, List<String> keys) {}

    /**
     * Removes every snapshot of a layer that no image in the store has any more and no container
     * uses, the records of holders that are gone, and unpacks whose process died. For
     * {@code image prune} and {@code rmi}, after they changed the store's refs.
     */
    public PruneResult prune() throws IOException {
        Set<String> live = liveChainHexes();
        List<String> removed = new ArrayList<>();
        try (Lease l = lock.exclusive()) {
            Set<String> used = usedKeys();
            for (String k : snapshotKeys()) {
                if (!used.contains(k) && (k.equals(EMPTY) || !live.contains(chainHex(k)))) {
                    delete(k);
                    removed.add(k);
                }
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
                for (Path p : ds) {
                    if (writerGone(p.getFileName().toString())) {
                        Trees.delete(p);
                    }
                }
            }
        }
        return new PruneResult(removed.size(), removed);
    }

    /** Every snapshot with the holders using it. */
    public List<Info> list() throws IOException {
        List<Info> out = new ArrayList<>();
        try (Lease l = lock.shared()) {
            List<String[]> holders = holders();
            for (String k : snapshotKeys()) {
                List<String> by = new ArrayList<>();
                for (String[] h : holders) {
                    for (int i = 2; i < h.length; i++) {
                        if (h[i].equals(k)) {
                            by.add(h[0]);
                        }
                    }
                }
                out.add(new Info(k, dir.resolve(k), by));
            }
        }
        return out;
    }

    // ---- internals ----

    private interface Unpack {
        void into(Path target) throws IOException;
    }

    /** Makes snapshot {@code key} unless it is there: into tmp/, then renamed into place. */
    private void ensure(String key, Mapping m, Consumer<String> warnings, Unpack unpack) throws IOException {
        Path target = dir.resolve(key);
        if (Files.isDirectory(target.resolve("fs"))) {
            return;
        }
        Path work = Files.createDirectory(tmp.resolve(ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + "-" + key));
        try {
            Path fs = Files.createDirectory(work.resolve("fs"));
            unpack.into(fs);
            if (!key.startsWith("flat-")) {
                writeOpaqueList(fs, work.resolve(OPAQUE_LIST), m);
            }
            Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            if (m.uidShift() != 0 || m.gidShift() != 0) {
                // the user namespace's root mounts the layers: it must enter its own snapshots
                Files.setAttribute(work, "unix:uid", m.uidShift(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(work, "unix:gid", m.gidShift(), LinkOption.NOFOLLOW_LINKS);
            }
            try {
                Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
                work = null;
            } catch (IOException e) {
                if (!Files.isDirectory(target.resolve("fs"))) {
                    throw e;
                }
                // another unpacker was first: its copy is as good as ours, which goes
            }
        } finally {
            if (work != null) {
                Trees.delete(work);
            }
        }
    }

    /**
     * Unpacks the layers that are missing, one per core at a time, largest first: each goes to a
     * directory of its own and reads nothing of the others (whiteouts stay overlayfs' devices), so
     * they need no order, and gunzip, hashing and the file writes of one layer are one thread's
     * work. A 200 MB image of four layers took 2.4 s on one core (bench/image.sh). The first
     * failure stops the layers not yet begun and is thrown once the running ones end.
     */
    private void ensureLayers(Image image, List<String> keys, Mapping m, Consumer<String> warnings) throws IOException {
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (!Files.isDirectory(fs(keys.get(i)))) {
                missing.add(i);
            }
        }
        List<Descriptor> layers = image.manifest().layers();
        missing.sort((a, b) -> Long.compare(layers.get(b).size(), layers.get(a).size()));
        Object lock = new Object();
        Consumer<String> warn = w -> {
            synchronized (lock) {
                warnings.accept(w);
            }
        };
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable worker = () -> {
            for (int i; failure.get() == null && (i = next.getAndIncrement()) < missing.size(); ) {
                int layer = missing.get(i);
                try {
                    ensure(keys.get(layer), m, warn, target -> unpackLayer(image, layer, target, m, warn));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
        };
        int threads = Math.min(missing.size(), Runtime.getRuntime().availableProcessors());
        List<Thread> helpers = new ArrayList<>();
        for (int t = 1; t < threads; t++) {
            helpers.add(Thread.ofPlatform().name("unpack-" + t).start(worker));
        }
        worker.run(); // this thread is one of them
        boolean interrupted = false;
        for (Thread h : helpers) {
            while (h.isAlive()) { // a helper writes under tmp/ until it ends: wait for it even when interrupted
                try {
                    h.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                    failure.compareAndSet(null, e);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t instanceof IOException e) {
            throw e;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IOException("unpacking the layers of " + image.id() + " failed: " + t, t);
        }
    }

    /** Every directory of a layer that carries the opaque xattr, relative to {@code fs}. */
    private static void writeOpaqueList(Path fs, Path list, Mapping m) throws IOException {
        String name = m.userXattr() ? "user.overlay.opaque" : "trusted.overlay.opaque";
        StringBuilder sb = new StringBuilder();
        try (java.util.stream.Stream<Path> walk = Files.walk(fs)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(fs) || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                byte[] v;
                try {
                    v = dev.berth.linux.FileNodes.getXattr(p, name);
                } catch (dev.berth.linux.ErrnoException e) {
                    continue;
                }
                if (v != null && v.length == 1 && v[0] == 'y') {
                    sb.append(fs.relativize(p)).append('\n');
                }
            }
        }
        if (!sb.isEmpty()) {
            Files.writeString(list, sb);
        }
    }

    private void unpackLayer(Image image, int i, Path target, Mapping m, Consumer<String> warnings) throws IOException {
        Descriptor layer = image.manifest().layers().get(i);
        LayerUnpacker.Result r;
        try (InputStream in = images.blobs().open(layer.digest())) {
            r = LayerUnpacker.unpack(in, target, options(m, UnpackOptions.Whiteouts.OVERLAY, warnings));
            in.transferTo(OutputStream.nullOutputStream()); // the blob's digest is checked at EOF
        }
        Digest want = image.config().diffIds().get(i);
        if (!r.diffId().equals(want)) {
            throw new ImageException.DigestMismatch("layer " + layer.digest() + " unpacks to " + r.diffId()
                + " but the image config says " + want + ": the image is corrupt; remove it and load or pull it again");
        }
        if (LayerSizes.known(images, layer.digest()) < 0) {
            LayerSizes.record(images, layer.digest(), r.unpackedSize()); // images and system df need it; counted on the way
        }
    }

    private static UnpackOptions options(Mapping m, UnpackOptions.Whiteouts w, Consumer<String> warnings) {
        UnpackOptions o = new UnpackOptions().whiteouts(w).warnings(warnings)
            .opaqueXattr(m.userXattr() ? "user.overlay.opaque" : "trusted.overlay.opaque");
        if (m.uidShift() != 0 || m.gidShift() != 0) {
            o.idShift(m.uidShift(), m.gidShift());
        }
        return o;
    }

    private boolean allPresent(Collection<String> keys) {
        for (String k : keys) {
            if (!Files.isDirectory(fs(k))) {
                return false;
            }
        }
        return true;
    }

    /** Renamed out of its name first, so that no reader ever sees half a snapshot. */
    private void delete(String key) throws IOException {
        Path gone = tmp.resolve(ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + "-rm-" + key);
        try {
            Files.move(dir.resolve(key), gone, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return;
        }
        Trees.delete(gone);
    }

    private List<String> snapshotKeys() throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.equals("tmp") && !n.equals("users") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(n);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** The chain id's hex of a key: {@code flat-HEX-1-2-ux} and {@code HEX-ux} give HEX. */
    static String chainHex(String key) {
        String k = key.startsWith("flat-") ? key.substring(5) : key;
        int dash = k.indexOf('-');
        return dash < 0 ? k : k.substring(0, dash);
    }

    /** Holders whose directory still exists: {holder, dir, keys...}; the records of others are deleted. */
    private List<String[]> holders() throws IOException {
        List<String[]> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(users)) {
            for (Path p : ds) {
                if (p.getFileName().toString().startsWith(".")) {
                    continue; // AtomicFiles' temporary file
                }
                String[] lines;
                try {
                    lines = Files.readString(p).split("\n");
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (lines.length == 0 || !Files.isDirectory(Path.of(lines[0]))) {
                    Files.deleteIfExists(p); // its container is gone (removed, or crashed half-made)
                    continue;
                }
                String[] h = new String[lines.length + 1];
                h[0] = p.getFileName().toString();
                System.arraycopy(lines, 0, h, 1, lines.length);
                out.add(h);
            }
        }
        return out;
    }

    private Set<String> usedKeys() throws IOException {
        Set<String> out = new HashSet<>();
        for (String[] h : holders()) {
            for (int i = 2; i < h.length; i++) {
                out.add(h[i]);
            }
        }
        return out;
    }

    /** The chain ids of every image the store keeps, for every platform of its indexes. */
    private Set<String> liveChainHexes() throws IOException {
        Set<String> out = new HashSet<>();
        ImageStore.Refs refs = images.refs();
        List<Digest> todo = new ArrayList<>(refs.tags().values());
        todo.addAll(refs.images());
        Set<Digest> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Digest d = todo.remove(todo.size() - 1);
            if (!seen.add(d) || !images.blobs().has(d)) {
                continue;
            }
            byte[] bytes = images.blobs().read(d, Manifest.MAX_JSON);
            if (ImageStore.isIndex(bytes)) {
                for (Descriptor m : ImageIndex.parse(bytes).manifests()) {
                    todo.add(m.digest());
                }
                continue;
            }
            Manifest m = Manifest.parse(bytes);
            if (!images.blobs().has(m.config().digest())) {
                continue;
            }
            ImageConfig c = ImageConfig.parse(images.blobs().read(m.config().digest(), Manifest.MAX_JSON));
            for (Digest chain : chainIds(c.diffIds())) {
                out.add(chain.hex());
            }
        }
        return out;
    }

    private static boolean writerGone(String name) {
        int dash = name.indexOf('-');
        try {
            long pid = Long.parseLong(name.substring(0, Math.max(0, dash)));
            return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty();
        } catch (NumberFormatException e) {
            return true;
        }
    }
}
