package dev.berth.image;

import dev.berth.runtime.state.AtomicFiles;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.function.LongConsumer;

/**
 * A blob written in several attempts: {@code ingest/sha256-HEX.partial}, named by the digest it
 * must have, so that a download cut off (a dropped connection, a killed process) goes on from
 * where it stopped. The bytes already there are hashed again when it is opened, the rest as it
 * is appended; {@link #commit} checks digest and size before the blob gets its name, exactly as
 * {@link BlobStore#put} does. A writer holds an fcntl lock on the file, so two pulls of the same
 * blob never append to one file: the second gets null from {@link BlobStore#partial} and writes
 * a private copy. The garbage collector removes partial files (no writer holds one then: it
 * waits for every lease).
 */
public final class PartialBlob implements Closeable {
    private final Path file;
    private final Path target;
    private final Digest expected;
    private final long size;
    private final FileChannel channel;
    private final FileLock lock;
    private MessageDigest md = BlobStore.sha256();
    private long offset;
    /** Where the last early writeback began (see {@link #writeback}). */
    private long flushed;
    private dev.berth.linux.Fd writer;

    private PartialBlob(Path file, Path target, Digest expected, long size, FileChannel channel, FileLock lock) {
        this.file = file;
        this.target = target;
        this.expected = expected;
        this.size = size;
        this.channel = channel;
        this.lock = lock;
    }

    /** Opens or creates the partial file; null when another writer holds it. */
    static PartialBlob open(Path file, Path target, Digest expected, long size) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // another thread of this JVM
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            ch.close();
            return null;
        }
        PartialBlob p = new PartialBlob(file, target, expected, size, ch, lock);
        try {
            p.rehash();
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** Hashes what an earlier attempt left; more than the blob's size is thrown away. */
    private void rehash() throws IOException {
        long have = channel.size();
        if (size >= 0 && have > size) {
            restart();
            return;
        }
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long pos = 0;
        while (pos < have) {
            buf.clear();
            int n = channel.read(buf, pos);
            if (n <= 0) {
                break;
            }
            md.update(buf.array(), 0, n);
            pos += n;
        }
        offset = pos;
        channel.position(pos);
    }

    /** How many bytes are there already: where a ranged request starts. */
    public long offset() {
        return offset;
    }

    /** Throws the bytes away (the source ignored the range, or they did not verify). */
    public void restart() throws IOException {
        channel.truncate(0);
        channel.position(0);
        md = BlobStore.sha256();
        offset = 0;
        flushed = 0;
    }

    /** How much is written before the kernel is asked to start writing it to the disk. */
    private static final long WRITEBACK_STEP = 8L << 20;

    /**
     * Starts the disk writes of what was appended since the last call, every
     * {@link #WRITEBACK_STEP} bytes, without waiting for them ({@code sync_file_range(WRITE)}):
     * the download and the disk then overlap, and the fsync at {@link #commit} only waits for the
     * last few megabytes instead of the whole blob. Durability is still the fsync's; this only
     * makes it shorter. Best effort: a kernel or file system without it leaves all to the fsync.
     */
    private void writeback() {
        if (offset - flushed < WRITEBACK_STEP) {
            return;
        }
        try {
            if (writer == null) {
                writer = dev.berth.linux.Fd.openFile(file, dev.berth.linux.Fd.O_WRONLY);
            }
            writer.startWriteback(flushed, offset - flushed);
        } catch (IOException | RuntimeException e) {
            // the fsync does it all
        }
        flushed = offset;
    }

    /**
     * Appends the buffers of {@code in} until its end, hashing and writing each where it is (no
     * copy into an array of ours, nor into a direct buffer: {@code pwrite} from the buffer's own
     * memory); {@code progress} gets the new offset after each write.
     */
    public void append(Chunks in, LongConsumer progress) throws IOException {
        for (ByteBuffer b; (b = in.next()) != null; ) {
            int n = b.remaining();
            if (size >= 0 && offset + n > size) {
                restart();
                throw new ImageException.DigestMismatch("blob " + expected + " is longer than its announced size of "
                    + size + " bytes: the source is corrupt or was tampered with");
            }
            md.update(b.duplicate()); // libcrypto reads the buffer where it is
            if (writer == null) {
                writer = dev.berth.linux.Fd.openFile(file, dev.berth.linux.Fd.O_WRONLY);
            }
            writer.pwriteFully(b, offset); // and so does the kernel: no copy into a direct buffer
            offset += n;
            writeback();
            if (progress != null) {
                progress.accept(offset);
            }
        }
    }

    /**
     * Appends {@code in} until its end; {@code progress} gets the new offset after each write.
     * More than the announced size is refused (and the file restarted, it cannot be right).
     */
    public void append(InputStream in, LongConsumer progress) throws IOException {
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
            if (size >= 0 && offset + n > size) {
                restart();
                throw new ImageException.DigestMismatch("blob " + expected + " is longer than its announced size of "
                    + size + " bytes: the source is corrupt or was tampered with");
            }
            md.update(buf, 0, n);
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
            while (bb.hasRemaining()) {
                channel.write(bb, offset + bb.position());
            }
            offset += n;
            writeback();
            if (progress != null) {
                progress.accept(offset);
            }
        }
    }

    /**
     * Checks size and digest, then gives the blob its name. A mismatch deletes the file (its
     * content is wrong from some byte on, and no one can tell which) and throws.
     */
    public BlobStore.Blob commit() throws IOException {
        return commit(true);
    }

    /**
     * As {@link #commit()}; without {@code syncDirectory} the new name is not yet durable: the
     * caller fsyncs the blob directory once for all the blobs it committed
     * ({@link BlobStore#syncNames}) before anything refers to them.
     */
    public BlobStore.Blob commit(boolean syncDirectory) throws IOException {
        Digest actual = Digest.sha256(Digest.hex(md.digest()));
        md = BlobStore.sha256();
        if ((size >= 0 && offset != size) || !actual.equals(expected)) {
            long had = offset;
            restart();
            if (size >= 0 && had != size) {
                throw new ImageException.DigestMismatch("blob " + expected + " has " + had + " bytes, expected " + size
                    + " (truncated or wrong content)");
            }
            throw new ImageException.DigestMismatch("content announced as " + expected + " has digest " + actual
                + ": the source is corrupt or was tampered with");
        }
        channel.force(true);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        try {
            Files.createLink(target, file);
            if (syncDirectory) {
                AtomicFiles.syncDirectory(target.getParent());
            }
        } catch (FileAlreadyExistsException e) {
            // another writer was first: the same bytes by definition
        }
        Files.deleteIfExists(file);
        return new BlobStore.Blob(actual, offset);
    }

    /** Releases the file; what was written stays for the next attempt. */
    @Override
    public void close() throws IOException {
        if (writer != null) {
            writer.close();
            writer = null;
        }
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            channel.close();
            if (Files.exists(file) && Files.size(file) == 0) {
                Files.deleteIfExists(file); // nothing to resume
            }
        }
    }
}
