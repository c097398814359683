package dev.berth.runtime.state;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Crash-safe writes and inter-process locks for state that several berth processes share. */
public final class AtomicFiles {
    private AtomicFiles() {}

    /**
     * Replaces {@code target} with {@code content} so that a reader, or a crash at any point,
     * sees either the old or the new file: write a temporary file, fsync it, rename it over the
     * target, fsync the directory.
     */
    public static void write(Path target, byte[] content) throws IOException {
        write(target, content, true);
    }

    /**
     * The temporary file {@link #write} writes {@code target}'s content to before it renames it
     * into place: this process's own, so that two writers never share one. An empty file there
     * is written into rather than made anew ({@code SpareDir} makes one ahead of time).
     */
    public static Path temporary(Path target) {
        return target.toAbsolutePath().getParent().resolve("." + target.getFileName() + ".tmp" + dev.berth.linux.Procs.self());
    }

    /**
     * As {@link #write(Path, byte[])}; without {@code durable} the fsyncs are left out, so that
     * readers still never see a torn file but a machine crash may lose the write. For state
     * that has no meaning after a crash.
     */
    public static void write(Path target, byte[] content, boolean durable) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = temporary(target);
        // a stream and FileDescriptor.sync: lighter on a cold JVM than a FileChannel
        try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
            out.write(content);
            if (durable) {
                out.getFD().sync();
            }
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (durable) {
            syncDirectory(dir);
        }
    }

    /** fsync(2) of a directory, so that a rename or a new entry in it survives a crash. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Takes an exclusive lock on {@code lockFile} (created if missing), waiting for other
     * processes that hold it. Close the returned lock to release it.
     */
    public static Lock lock(Path lockFile) throws IOException {
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            return new Lock(ch, ch.lock());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** An exclusive fcntl lock held by this process. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private Lock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
