package dev.berth.image;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A shared/exclusive lock between processes (an fcntl lock on a file) and between the threads
 * of this JVM. Java allows one fcntl lock per file and JVM (a second throws
 * {@code OverlappingFileLockException}), so the threads of one JVM share one shared file lock
 * (counted) and queue on a read-write lock for the exclusive one.
 */
final class StoreLock {
    private static final Map<Path, StoreLock> LOCKS = new HashMap<>();
    private final Path file;
    private final ReentrantReadWriteLock threads = new ReentrantReadWriteLock();
    private int sharers;
    private FileChannel sharedChannel;
    private FileLock sharedLock;

    private StoreLock(Path file) {
        this.file = file;
    }

    static StoreLock of(Path file) {
        Path key = file.toAbsolutePath().normalize();
        synchronized (LOCKS) {
            return LOCKS.computeIfAbsent(key, StoreLock::new);
        }
    }

    /** Many holders at once, in this and other processes. */
    Lease shared() throws IOException {
        threads.readLock().lock();
        try {
            synchronized (this) {
                if (sharers == 0) {
                    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                    try {
                        sharedLock = ch.lock(0, Long.MAX_VALUE, true);
                    } catch (IOException | RuntimeException e) {
                        ch.close();
                        throw e;
                    }
                    sharedChannel = ch;
                }
                sharers++;
            }
        } catch (IOException | RuntimeException e) {
            threads.readLock().unlock();
            throw e;
        }
        return () -> {
            try {
                synchronized (this) {
                    if (--sharers == 0) {
                        try {
                            sharedLock.release();
                        } finally {
                            sharedChannel.close();
                            sharedChannel = null;
                            sharedLock = null;
                        }
                    }
                }
            } finally {
                threads.readLock().unlock();
            }
        };
    }

    /** As {@link #exclusive}, but null at once when another holder has the lock. */
    Lease tryExclusive() throws IOException {
        return exclusive(false);
    }

    /** One holder, here or in any other process. */
    Lease exclusive() throws IOException {
        return exclusive(true);
    }

    private Lease exclusive(boolean wait) throws IOException {
        if (wait) {
            threads.writeLock().lock();
        } else if (!threads.writeLock().tryLock()) {
            return null;
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = wait ? ch.lock() : ch.tryLock();
            if (lock == null) {
                ch.close();
                threads.writeLock().unlock();
                return null;
            }
            FileChannel held = ch;
            return () -> {
                try {
                    lock.release();
                    held.close();
                } finally {
                    threads.writeLock().unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            threads.writeLock().unlock();
            throw e;
        }
    }
}
