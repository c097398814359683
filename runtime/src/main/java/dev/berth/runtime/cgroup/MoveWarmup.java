package dev.berth.runtime.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Takes most of the wait out of a container's move into its cgroup, by starting it early.
 *
 * <p>C1 moves itself into the container's cgroup by writing {@code cgroup.procs}. Every such
 * write takes the kernel's global {@code cgroup_threadgroup_rwsem} for writing, a per-CPU
 * rw-semaphore: when no write took it during the last RCU grace period, the writer first waits
 * for a grace period ({@code rcu_sync_enter}, {@code synchronize_rcu}), 5 to 40 ms on the
 * development machines (longer under load), the largest single cost of a container start. A
 * writer that comes while the first one waits shares its grace period, and for one grace period
 * after the last writer left, the next one waits for none. So, ahead of C1, a background thread
 * writes this process's pid into the cgroup it is already in: the kernel takes the lock (paying
 * the grace period) and moves nothing, while the engine prepares the container (and the daemon
 * waits for the client's start); C1's own write then finds the grace period over or under way.
 * The write holds the cgroup mutex through its grace period, so making a cgroup's directories
 * meanwhile waits for the rest of it (when to start it: {@code Engine.warmCgroupMove}). Measured
 * with {@code docker run --rm}: see docs/performance.md.
 *
 * <p>A pid that does not exist would not do: the kernel looks it up before it takes the lock.
 * The window between reading {@code /proc/self/cgroup} and the write is microseconds; a process
 * moved by someone else in it would be moved back, which systemd does not do to a running
 * service. Best effort: a failure (no cgroup file system, not root) only means no head start.
 * A kernel that keeps the lock in its writer-friendly mode (the {@code favordynmods} mount
 * option, or {@code clone3(CLONE_INTO_CGROUP)} one day) makes the write merely useless.
 */
public final class MoveWarmup {
    private static final AtomicBoolean RUNNING = new AtomicBoolean();

    private MoveWarmup() {}

    /** Starts a warm-up in the background unless one is under way; returns at once. */
    public static void start() {
        if (RUNNING.compareAndSet(false, true)) {
            // a platform thread: the write sleeps in the kernel, it would pin a virtual thread's carrier
            Thread.ofPlatform().daemon().name("berth-cgroup-warmup").start(() -> {
                try {
                    runOnce();
                } finally {
                    RUNNING.set(false);
                }
            });
        }
    }

    /** The write itself, in the caller's thread: true when the kernel took it. */
    static boolean runOnce() {
        try {
            Path procs = Cgroups.detect().ownProcs();
            if (procs == null) {
                return false;
            }
            Files.write(procs, Long.toString(dev.berth.linux.Procs.self()).getBytes(StandardCharsets.US_ASCII));
            return true;
        } catch (CgroupException | IOException | RuntimeException e) {
            return false;
        }
    }
}
