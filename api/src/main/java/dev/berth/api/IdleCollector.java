package dev.berth.api;

import java.util.concurrent.TimeUnit;

/**
 * A full GC when the daemon falls idle after serving requests, so that its heap gives back what a
 * burst made it grow by. With SerialGC (bin/berth's options for the daemon) a young GC never
 * shrinks anything, and the old generation grows as a burst's objects in flight are promoted
 * (100 {@code docker ps} of 100 containers: 44 MB, nearly all garbage); only a full GC shrinks
 * it again, to what {@code MaxHeapFreeRatio} allows, and unmaps the rest. The JVM has no idle
 * collection for SerialGC (G1's {@code G1PeriodicGCInterval} is one, at the cost of G1's own
 * memory), so the daemon asks for it, then trims malloc's arenas: once per idle period, {@link #IDLE_NANOS} after the last
 * request began, never while requests keep coming. A long-lived stream (events, logs -f) is not
 * a request that began: it does not hold the collection off.
 */
final class IdleCollector {
    /** Long enough that a script's next docker command comes first, short enough to be idle memory soon. */
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Runnable collect;
    private volatile long lastRequest;
    private volatile boolean dirty;

    IdleCollector(Runnable collect) {
        this.collect = collect;
    }

    /** How long an idle "process reaper" thread of the JDK waits for the next process before it ends. */
    static final long REAPER_KEEP_ALIVE_MILLIS = 1000;

    /** The daemon's collector, checking every half second on a thread of its own. */
    static IdleCollector start() {
        shortenReaperKeepAlive();
        IdleCollector c = new IdleCollector(IdleCollector::collectAndShrink);
        Thread.ofPlatform().daemon().name("berth-idle-gc").start(() -> {
            for (;;) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
                c.tick(System.nanoTime());
            }
        });
        return c;
    }

    /**
     * SerialGC damps the shrinking of its old generation over consecutive full GCs (none at the
     * first, 10% at the second, 40% at the third, all of it from the fourth:
     * {@code TenuredGeneration::compute_new_size}), so that a program calling System.gc()
     * between phases does not shrink only to grow again. Idle, the daemon wants it all back:
     * four collections of a heap of a few live MB, about 5 ms each.
     */
    private static void collectAndShrink() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        dev.berth.linux.MallocTrim.trim(); // and the malloc arenas' free memory, as the GC's
    }

    /**
     * Every {@link Process} has a JDK "process reaper" thread blocked in waitpid until it exits:
     * one per container's stage (its monitor), 100 with the benchmark's 100 running containers.
     * The JDK keeps them in a cached thread pool whose idle threads wait 60 s for the next
     * process; a platform thread's stack costs about 90 KB resident (the JVM touches its shadow
     * zone), so 100 containers removed left 9 MB resident for a minute, the largest part of
     * the daemon's idle memory after the benchmark. The pool is private: it is reached by
     * reflection, which needs {@code --add-opens java.base/java.lang=ALL-UNNAMED} (bin/berth
     * gives it to the daemon); without it, or on a JDK that changed it, nothing changes.
     */
    static boolean shortenReaperKeepAlive() {
        try {
            var f = Class.forName("java.lang.ProcessHandleImpl").getDeclaredField("processReaperExecutor");
            f.setAccessible(true);
            if (f.get(null) instanceof java.util.concurrent.ThreadPoolExecutor pool) {
                pool.setKeepAliveTime(REAPER_KEEP_ALIVE_MILLIS, TimeUnit.MILLISECONDS);
                return true;
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (System.getenv("BERTH_DEBUG") != null) {
                System.err.println("berth daemon: idle process reapers stay 60 s: " + e);
            }
        }
        return false;
    }

    /** A request began. */
    void request() {
        lastRequest = System.nanoTime();
        dirty = true;
    }

    /** Collects when requests came since the last collection and none for {@link #IDLE_NANOS}; true if it did. */
    boolean tick(long now) {
        if (!dirty || now - lastRequest < IDLE_NANOS) {
            return false;
        }
        dirty = false;
        collect.run();
        return true;
    }
}
