package dev.berth.engine;

import java.io.IOException;

/**
 * The directories of auto-removed containers, deleted after their removal was answered (see
 * {@link Engine#withLaterDeletes}). By then the container is gone for every reader: its state is
 * removed (the commit point, {@link Store#startRemoval}), its name, cgroup and network released.
 * What is left is files: its overlay's upper and work directories, its logs and small files,
 * 20 to 30 unlinks and rmdirs that took 2 to 25 ms on a busy ext4 disk, all of it on the path of
 * {@code docker run --rm}'s answer. A crash before they are gone leaves a directory with the
 * removal's marker, which {@link Recovery} finishes, as after any interrupted removal.
 */
final class LaterDeletes {
    private int pending;

    /** Deletes the container's directory in a thread of its own. */
    void submit(Store store, String id) {
        synchronized (this) {
            pending++;
        }
        Thread.ofVirtual().name("delete-" + id.substring(0, Math.min(12, id.length()))).start(() -> {
            try {
                store.delete(id);
            } catch (IOException | RuntimeException e) {
                System.err.println("berth: cannot delete the directory of removed container " + id + ": "
                    + e.getMessage() + "; berth system check --repair deletes it");
            } finally {
                synchronized (this) {
                    pending--;
                    notifyAll();
                }
            }
        });
    }

    /** Waits up to {@code millis} for the deletions under way; true when none is left. */
    synchronized boolean await(long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (pending > 0) {
            long left = (end - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }
}
