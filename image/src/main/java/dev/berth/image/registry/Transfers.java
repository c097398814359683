package dev.berth.image.registry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Blob transfers of one pull or push: each on a virtual thread, at most {@code parallel} at a
 * time; the first failure is kept, the transfers not yet begun are skipped, and the running ones
 * can see it (to stop early) through the reference they are given.
 */
final class Transfers {
    /** One blob's transfer. */
    interface Job {
        void run(AtomicReference<Throwable> failure) throws Exception;
    }

    private final Semaphore slots;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();

    Transfers(int parallel) {
        this.slots = new Semaphore(parallel);
    }

    void start(String name, Job job) {
        threads.add(Thread.ofVirtual().name(name).start(() -> {
            try {
                slots.acquire();
                try {
                    if (failure.get() == null) {
                        job.run(failure);
                    }
                } finally {
                    slots.release();
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }));
    }

    /** Waits for every transfer; throws the first failure ({@code what}: "pulling", "pushing"). */
    void await(String what) throws IOException {
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while " + what, e);
            }
        }
        Throwable t = failure.get();
        if (t instanceof IOException e) {
            throw e;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t != null) {
            throw new IOException(what + " failed: " + t, t);
        }
    }
}
