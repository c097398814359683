package dev.berth.engine;

import dev.berth.runtime.stage.SpareStage;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Threads for the file system work of a start or a removal that nothing waits for at once (a
 * cgroup's directories), in a long-lived JVM (library, daemon: where spare stages are on). A
 * one-shot CLI does that work where it is needed: a pool's classes would cost it more than they save.
 */
final class Background {
    private Background() {}

    /** Daemons, made when first needed and kept a minute when idle. */
    private static final class Pool {
        static final ExecutorService THREADS =
            Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("berth-background-", 0).factory());
    }

    /** {@code work} on a pool thread in a long-lived JVM; null in a one-shot one, whose caller does it itself. */
    static <T> Future<T> submit(Callable<T> work) {
        return SpareStage.enabled() ? Pool.THREADS.submit(work) : null;
    }

    /** The result of {@code f}; an interrupt is kept for later, since the work is done or not only once it ends. */
    static <T> T await(Future<T> f) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
