package dev.berth.cli.oci;

import dev.berth.linux.Errno;
import dev.berth.linux.ErrnoException;
import dev.berth.linux.Fd;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code SOCKET.lock}, the fcntl lock that lets one runtime server of a build run at a time,
 * held for the server's life; and the removal of lock files, so that the socket directory does
 * not keep one per build ever run.
 *
 * <p>Removing a lock file races with a process that opened it just before: when the holder
 * leaves, that process gets the lock of a file without a name, and a third one creates the name
 * anew and locks that: two servers. So every side keeps two rules. A lock file is unlinked only
 * by a process that holds its lock, before it lets go. And whoever gets a lock checks that the
 * name still leads to the very file it locked, else it lets go and opens the name again. Then
 * at most one process holds the lock of the file the name leads to. The file is opened through
 * a directory descriptor and locked through {@code /proc/self/fd}, so that its inode is known
 * ({@code fstat}); closing a descriptor of a file drops every fcntl lock of this process on it,
 * so both stay open as long as the lock is held.
 */
final class ServerLock implements AutoCloseable {
    /**
     * How long a server waits for its build's lock. A running server of the build holds it for
     * good, another build's server that is removing a stale one (below) for a moment: without a
     * wait, a server starting in that moment would take it for a running one and leave.
     */
    private static final long WAIT_NANOS = 1_000_000_000L;
    private static final String SUFFIX = ".lock";

    private final Fd dir;
    private final String name;
    private final Fd file;
    private final FileChannel channel;

    private ServerLock(Fd dir, String name, Fd file, FileChannel channel) {
        this.dir = dir;
        this.name = name;
        this.file = file;
        this.channel = channel;
    }

    /** The lock of the server on {@code socket}, or null when a running server holds it. */
    static ServerLock acquire(Path socket) throws IOException {
        String name = socket.getFileName() + SUFFIX;
        Fd dir = Fd.openDirectory(socket.getParent());
        long deadline = System.nanoTime() + WAIT_NANOS;
        try {
            while (true) {
                Fd file = dir.openAt(name, Fd.O_WRONLY | Fd.O_CREAT, 0600);
                ServerLock held = new ServerLock(dir, name, file, channel(file));
                boolean named;
                try {
                    while (!held.tryLock()) {
                        if (System.nanoTime() > deadline) {
                            held.release();
                            dir.close();
                            return null;
                        }
                        Thread.sleep(20);
                    }
                    named = held.named();
                } catch (IOException | RuntimeException | InterruptedException e) {
                    held.release(); // the file and its channel; the directory below
                    throw e;
                }
                if (named) {
                    return held;
                }
                held.release(); // removed by the server that held it: its name is another file's by now
            }
        } catch (IOException | RuntimeException e) {
            dir.close();
            throw e;
        } catch (InterruptedException e) {
            dir.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + socket + SUFFIX, e);
        }
    }

    /**
     * Removes the socket and lock files of servers that no longer run (no process holds their
     * lock), of other builds in {@code socket}'s directory: a build's server cleans up after
     * itself when it leaves, but not when it was killed. The lock of {@code socket} itself is
     * left alone: it is this server's, and opening and closing it would drop that lock.
     */
    static void removeStale(Path socket) throws IOException {
        String own = socket.getFileName() + SUFFIX;
        try (Fd dir = Fd.openDirectory(socket.getParent())) {
            for (String name : dir.list()) {
                if (!name.endsWith(SUFFIX) || name.equals(own)) {
                    continue;
                }
                Fd file;
                try {
                    file = dir.openAt(name, Fd.O_WRONLY, 0);
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.ENOENT) {
                        continue; // removed meanwhile
                    }
                    throw e;
                }
                ServerLock lock = new ServerLock(dir, name, file, channel(file));
                try {
                    if (lock.tryLock() && lock.named()) {
                        Path stale = socket.resolveSibling(name.substring(0, name.length() - SUFFIX.length()));
                        RuntimeServer.removeLeftovers(stale);
                        lock.unlink();
                    }
                } finally {
                    lock.release();
                }
            }
        }
    }

    /**
     * Removes the lock file, still holding the lock until this process ends. Only when the name
     * still leads to our file: were the directory removed and made again, it could be another
     * server's by now.
     */
    void remove() throws IOException {
        if (named()) {
            unlink();
        }
    }

    /** Lets go: the lock, the file and the directory. */
    @Override
    public void close() throws IOException {
        release();
        dir.close();
    }

    private static FileChannel channel(Fd file) throws IOException {
        try {
            return FileChannel.open(Path.of(file.procPath()), StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private boolean tryLock() throws IOException {
        FileLock l = channel.tryLock();
        return l != null;
    }

    /** Whether the name leads to the file this lock opened. */
    private boolean named() throws IOException {
        var there = dir.statAt(name);
        var ours = file.stat();
        return there != null && there.ino() == ours.ino() && there.dev() == ours.dev();
    }

    private void unlink() throws IOException {
        dir.unlinkAt(name, false);
    }

    private void release() throws IOException {
        try {
            channel.close(); // drops the lock
        } finally {
            file.close();
        }
    }
}
