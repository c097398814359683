package dev.berth.image.registry;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Blob transfers of one pull or push: at most {@code parallel} at a time, each worker taking the
 * next job when it is done with one; the first failure is kept, the transfers not yet begun are
 * skipped, and the running ones can see it (to stop early) through the reference they are given.
 *
 * <p>The workers are platform threads, not virtual ones: a virtual thread that blocks on a socket
 * ({@link PlainGet}'s reads) starts the JDK's poller thread, which then waits in
 * {@code epoll_wait} until the JVM ends, and a JVM halting with a thread in native code waits
 * 300 ms for it (HotSpot's {@code VM_Exit}): that was a third of a 200 MB pull's wall time.
 * A platform thread's blocking read is a plain {@code read(2)}; there are never more than
 * {@code parallel} of them.
 */
final class Transfers {
    /** One blob's transfer. */
    interface Job {
        void run(AtomicReference<Throwable> failure) throws Exception;
    }

    private final int parallel;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private final List<Thread> workers = new ArrayList<>();
    private int running;

    Transfers(int parallel) {
        this.parallel = Math.max(1, parallel);
    }

    /** Queues a transfer; it starts at once when fewer than {@code parallel} are running. */
    synchronized void start(String name, Job job) {
        queue.add(job);
        if (running < parallel) {
            running++;
            workers.add(Thread.ofPlatform().daemon().name("transfer-" + name).start(this::work));
        }
    }

    private void work() {
        while (true) {
            Job job;
            synchronized (this) {
                job = queue.poll();
                if (job == null) {
                    running--; // under the lock that start() takes: a later job gets a new worker
                    return;
                }
            }
            try {
                if (failure.get() == null) {
                    job.run(failure);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }
    }

    /** Waits for every transfer; throws the first failure ({@code what}: "pulling", "pushing"). */
    void await(String what) throws IOException {
        List<Thread> all;
        synchronized (this) {
            all = List.copyOf(workers);
        }
        for (Thread t : all) {
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
