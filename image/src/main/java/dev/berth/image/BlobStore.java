package dev.berth.image;

import dev.berth.runtime.state.AtomicFiles;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Content-addressed blobs: {@code DIR/sha256/HEX}, read-only files whose name is the sha256 of
 * their content. A blob is written to {@code DIR/ingest/} through a digest, fsynced, and only
 * then linked to its name with {@code link(2)}, which fails if the name exists: so a reader
 * never sees a partial or wrong blob, a crash leaves at most a temporary file (which
 * {@link #cleanIngest} removes), and two writers of the same blob need no lock (the second
 * finds the first's and drops its own copy). Content that does not match the digest it was
 * announced with leaves nothing behind.
 */
public final class BlobStore {
    private static final AtomicLong SEQ = new AtomicLong();
    /** How old a blob's last change must be for its verified marker to be written (tests lower it). */
    static long racySeconds = 2;
    private final Path dir;
    private final Path sha256;
    private final Path ingest;

    public BlobStore(Path dir) throws IOException {
        this.dir = dir;
        this.sha256 = dir.resolve("sha256");
        this.ingest = dir.resolve("ingest");
        Files.createDirectories(sha256);
        Files.createDirectories(ingest);
    }

    /** A blob that is in the store: its digest and size. */
    public record Blob(Digest digest, long size) {}

    public Path dir() {
        return dir;
    }

    /** Where the blob's file is (whether or not it exists). */
    public Path path(Digest d) throws ImageException {
        requireSha256(d);
        return sha256.resolve(d.hex());
    }

    public boolean has(Digest d) throws ImageException {
        return Files.isRegularFile(path(d));
    }

    /** The blob's size, or -1 when it is not in the store. */
    public long size(Digest d) throws IOException {
        try {
            return Files.size(path(d));
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    /**
     * Writes {@code in} as a blob. With {@code expected} (may be null) and {@code expectedSize}
     * (-1 for unknown) the content must match them, else nothing is kept and
     * {@link ImageException.DigestMismatch} is thrown. More than {@code maxSize} bytes are
     * refused. The stream is read to its end but not closed.
     */
    public Blob put(InputStream in, Digest expected, long expectedSize, long maxSize) throws IOException {
        if (expected != null) {
            requireSha256(expected);
        }
        Path tmp = ingest.resolve(ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + ".tmp");
        try {
            MessageDigest md = sha256();
            long total = 0;
            try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    total += n;
                    if (total > maxSize) {
                        throw new ImageException.Refused("blob is larger than the limit of " + maxSize
                            + " bytes" + (expected == null ? "" : " (" + expected + ")"));
                    }
                    if (expectedSize >= 0 && total > expectedSize) {
                        throw new ImageException.DigestMismatch("blob " + (expected == null ? "" : expected + " ")
                            + "is longer than its announced size of " + expectedSize + " bytes");
                    }
                    md.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
                out.getFD().sync();
            }
            Digest actual = Digest.sha256(Digest.hex(md.digest()));
            if (expectedSize >= 0 && total != expectedSize) {
                throw new ImageException.DigestMismatch("blob " + (expected == null ? actual : expected) + " has "
                    + total + " bytes, expected " + expectedSize + " (truncated or wrong content)");
            }
            if (expected != null && !expected.equals(actual)) {
                throw new ImageException.DigestMismatch("content announced as " + expected + " has digest " + actual
                    + ": the source is corrupt or was tampered with");
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--r--r--"));
            Path target = sha256.resolve(actual.hex());
            try {
                Files.createLink(target, tmp);
                AtomicFiles.syncDirectory(sha256);
            } catch (FileAlreadyExistsException e) {
                // another writer was first: the same bytes by definition
            }
            return new Blob(actual, total);
        } finally {
            // on success the name is a second link to it; on failure nothing else was made
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes a blob's content to the stream it is given (commit's layer, made as it is stored). */
    public interface Producer {
        void writeTo(java.io.OutputStream out) throws IOException;
    }

    /**
     * Stores what {@code producer} writes, named by its digest once it is complete, as
     * {@link #put(InputStream, Digest, long, long)} does with a stream it reads; more than
     * {@code maxSize} bytes are refused.
     */
    public Blob write(Producer producer, long maxSize) throws IOException {
        Path tmp = ingest.resolve(ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + ".tmp");
        try {
            MessageDigest md = sha256();
            long[] total = {0};
            try (FileOutputStream file = new FileOutputStream(tmp.toFile());
                 java.io.OutputStream out = new java.io.BufferedOutputStream(new java.io.FilterOutputStream(file) {
                     @Override
                     public void write(byte[] b, int off, int len) throws IOException {
                         total[0] += len;
                         if (total[0] > maxSize) {
                             throw new ImageException.Refused("blob is larger than the limit of " + maxSize + " bytes");
                         }
                         md.update(b, off, len);
                         file.write(b, off, len);
                     }

                     @Override
                     public void write(int b) throws IOException {
                         write(new byte[] {(byte) b}, 0, 1);
                     }
                 }, 64 * 1024)) {
                producer.writeTo(out);
                out.flush();
                file.getFD().sync();
            }
            Digest actual = Digest.sha256(Digest.hex(md.digest()));
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--r--r--"));
            try {
                Files.createLink(sha256.resolve(actual.hex()), tmp);
                AtomicFiles.syncDirectory(sha256);
            } catch (FileAlreadyExistsException e) {
                // the same bytes were already there
            }
            return new Blob(actual, total[0]);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * A resumable write of the blob {@code expected} ({@code size} bytes, -1 if unknown), kept
     * in {@code ingest/sha256-HEX.partial} across failed attempts; null when another writer
     * holds that file (write with {@link #put} instead). Close it after {@link PartialBlob#commit}
     * or a failure.
     */
    public PartialBlob partial(Digest expected, long size) throws IOException {
        requireSha256(expected);
        return PartialBlob.open(ingest.resolve("sha256-" + expected.hex() + ".partial"), sha256.resolve(expected.hex()),
            expected, size);
    }

    /** Makes the names of blobs committed without their own directory sync durable: one fsync of the blob directory. */
    public void syncNames() throws IOException {
        AtomicFiles.syncDirectory(sha256);
    }

    /** Writes {@code bytes} as a blob. */
    public Blob put(byte[] bytes) throws IOException {
        return put(new java.io.ByteArrayInputStream(bytes), null, bytes.length, Long.MAX_VALUE);
    }

    /**
     * Opens a blob for reading. The stream checks the digest and size as it is read and throws
     * {@link ImageException.DigestMismatch} at the end (before returning EOF) when the file on
     * disk was changed since it was written.
     */
    public InputStream open(Digest d) throws IOException {
        Path p = path(d);
        InputStream in;
        try {
            in = Files.newInputStream(p);
        } catch (NoSuchFileException e) {
            throw new ImageException.NotFound("blob " + d + " is not in the store");
        }
        return new VerifyingInputStream(in, d, -1);
    }

    /**
     * Reads a whole blob (at most {@code max} bytes), verified: hashed, or, when it was hashed
     * before and its file has not changed since, read as it is. "Not changed" is the marker
     * {@code verified/HEX} holding the file's inode, size and ctime as they were when its
     * content matched its name: a write, a chmod, a rename or a new file under the name all move
     * the ctime, which no caller can set back. A manifest and a config are read on every
     * {@code berth run}, and hashing them (the JDK's first digest on a cold JVM) was ~25 ms of it.
     * A missing or stale marker only costs the hash; layers are always hashed as they are read.
     */
    public byte[] read(Digest d, long max) throws IOException {
        Path p = path(d);
        String stamp;
        try {
            stamp = stamp(d, p);
        } catch (NoSuchFileException e) {
            throw new ImageException.NotFound("blob " + d + " is not in the store");
        }
        long size = Long.parseLong(stamp.split(" ")[2]);
        if (size > max) {
            throw new ImageException.Refused("blob " + d + " has " + size + " bytes, more than the limit of " + max);
        }
        Path marker = dir.resolve("verified").resolve(d.hex());
        if (stamp.equals(readMarker(marker))) {
            byte[] bytes = Files.readAllBytes(p);
            if (bytes.length == size) {
                return bytes;
            }
        }
        byte[] bytes;
        try (InputStream in = open(d)) {
            bytes = in.readAllBytes();
        }
        // unchanged while it was hashed (what was hashed is what the stamp names), and changed
        // last more than a few seconds ago: a kernel with coarse timestamps could give a change
        // within the same tick the same ctime (git's "racy" index entries, the same rule)
        if (stamp.equals(stamp(d, p)) && ctimeSeconds(stamp) < System.currentTimeMillis() / 1000 - racySeconds) {
            writeMarker(marker, stamp);
        }
        return bytes;
    }

    /** {@code DIGEST INODE SIZE CTIME_NANOS} of a blob's file. */
    private static String stamp(Digest d, Path p) throws IOException {
        java.util.Map<String, Object> a = Files.readAttributes(p, "unix:ino,size,ctime", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        java.time.Instant c = ((java.nio.file.attribute.FileTime) a.get("ctime")).toInstant();
        return d + " " + a.get("ino") + " " + a.get("size") + " " + c.getEpochSecond() + "." + c.getNano();
    }

    private static long ctimeSeconds(String stamp) {
        String c = stamp.substring(stamp.lastIndexOf(' ') + 1);
        return Long.parseLong(c.substring(0, c.indexOf('.')));
    }

    private static String readMarker(Path marker) {
        try {
            return Files.readString(marker);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Best effort, and no fsync: a marker lost or torn by a crash matches nothing and the blob is
     * hashed again. Written in ingest/ (a writer's leftovers there are the collector's) and renamed.
     */
    private void writeMarker(Path marker, String stamp) {
        try {
            Files.createDirectories(marker.getParent());
            Path tmp = ingest.resolve(ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + ".verified");
            Files.writeString(tmp, stamp);
            Files.move(tmp, marker, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // a read-only store: verified again next time
        }
    }

    /** Reads and hashes the whole blob: true when its content still matches its name. */
    public boolean verify(Digest d) throws IOException {
        try (InputStream in = open(d)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return true;
        } catch (ImageException.DigestMismatch e) {
            return false;
        }
    }

    /** Every blob in the store. */
    public List<Digest> list() throws IOException {
        List<Digest> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(sha256)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.length() == 64 && Digest.isLowerHex(name)) {
                    out.add(Digest.sha256(name));
                }
            }
        }
        return out;
    }

    /** Deletes the verified markers of blobs that are gone (the collector's). */
    public void cleanMarkers() throws IOException {
        Path verified = dir.resolve("verified");
        if (!Files.isDirectory(verified)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(verified)) {
            for (Path m : ds) {
                if (!Files.exists(sha256.resolve(m.getFileName().toString()))) {
                    Files.deleteIfExists(m);
                }
            }
        }
    }

    /** Removes a blob (the garbage collector's, under the store's lock), and its verified marker. */
    public boolean delete(Digest d) throws IOException {
        Files.deleteIfExists(dir.resolve("verified").resolve(d.hex()));
        return Files.deleteIfExists(path(d));
    }

    /**
     * Removes temporary files older than {@code olderThanMillis}: what writers killed mid-blob
     * left. Young ones may belong to a writer still running.
     */
    public int cleanIngest(long olderThanMillis) throws IOException {
        int n = 0;
        long limit = System.currentTimeMillis() - olderThanMillis;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(ingest)) {
            for (Path p : ds) {
                if (Files.getLastModifiedTime(p).toMillis() < limit && Files.deleteIfExists(p)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** libcrypto's SHA-256 where there is one: ~15 times the JDK's under C1 (see {@link dev.berth.linux.Sha256}). */
    static MessageDigest sha256() {
        return dev.berth.linux.Sha256.newDigest();
    }

    private static void requireSha256(Digest d) throws ImageException {
        if (!d.algorithm().equals(Digest.SHA256)) {
            throw new ImageException.BadFormat("digest " + d + " uses " + d.algorithm() + ": the store keeps sha256 only");
        }
    }
}
