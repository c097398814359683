package dev.berth.net;

import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The lock around every read-modify-write of the network state: an fcntl lock on a file
 * ({@link AtomicFiles#lock}, FileChannel.lock) between processes, which the kernel drops when
 * its holder dies, so a killed {@code berth run} never wedges the next one; and a
 * {@link ReentrantLock} between the threads of one JVM, because the JVM refuses a second
 * FileChannel lock on a file it already locks (OverlappingFileLockException) instead of
 * waiting. Reentrant: the file is locked by the outermost holder only.
 */
final class StateLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    private final ReentrantLock local;
    private final AtomicFiles.Lock file;

    private StateLock(ReentrantLock local, AtomicFiles.Lock file) {
        this.local = local;
        this.file = file;
    }

    static StateLock take(Path lockFile) throws NetException {
        Path key = lockFile.toAbsolutePath().normalize();
        ReentrantLock local = LOCAL.get(key);
        if (local == null) {
            ReentrantLock fresh = new ReentrantLock();
            local = LOCAL.putIfAbsent(key, fresh);
            if (local == null) {
                local = fresh;
            }
        }
        local.lock();
        if (local.getHoldCount() > 1) {
            return new StateLock(local, null);
        }
        try {
            return new StateLock(local, AtomicFiles.lock(key));
        } catch (IOException | RuntimeException e) {
            local.unlock();
            throw new NetException.SystemFailure("cannot lock " + key + ": " + e.getMessage()
                + "; check that the state directory exists and is writable", e);
        }
    }

    @Override
    public void close() throws NetException {
        try {
            if (file != null) {
                file.close();
            }
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot unlock " + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }
}
