package dev.berth.linux;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One platform thread that enters a network namespace once and then runs every task given to
 * it, one at a time, until closed. {@link InNetns} is enough for code that opens its sockets
 * inside the call; this is for a native library that keeps state between calls and may open
 * sockets on any of them from the calling thread (libnftables): every call then happens in the
 * same namespace, and the JVM's other threads never change namespace.
 */
public final class NetnsThread implements AutoCloseable {
    private static final FutureTask<Object> STOP = new FutureTask<>(() -> null);

    private final LinkedBlockingQueue<FutureTask<?>> tasks = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    private NetnsThread(Path netns, String name) throws ErrnoException {
        CompletableFuture<Void> entered = new CompletableFuture<>();
        thread = Thread.ofPlatform().name(name).daemon().start(() -> serve(netns, entered));
        try {
            entered.get();
        } catch (ExecutionException e) {
            join();
            if (e.getCause() instanceof ErrnoException cause) {
                throw cause;
            }
            throw (RuntimeException) e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while entering " + netns, e);
        }
    }

    /**
     * Starts the thread in the network namespace of {@code netns} ({@code /proc/PID/ns/net},
     * {@code /run/netns/NAME}), or in the caller's when {@code netns} is null.
     *
     * @throws ErrnoException when the namespace cannot be opened or entered (no thread is left)
     */
    public static NetnsThread start(Path netns, String name) throws ErrnoException {
        return new NetnsThread(netns, name);
    }

    /** Runs {@code work} on the thread and returns its result; what it throws is rethrown. */
    public <T> T call(Callable<T> work) throws Exception {
        if (Thread.currentThread() == thread) {
            return work.call();
        }
        FutureTask<T> task = new FutureTask<>(work);
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("thread " + thread.getName() + " is closed");
            }
            tasks.add(task);
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    // the work is already under way in the namespace: let it finish, then report
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Exception cause) {
                        throw cause;
                    }
                    throw (Error) e.getCause();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Lets the tasks already given finish, then ends the thread and waits for it. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            tasks.add(STOP);
        }
        if (Thread.currentThread() != thread) {
            join();
        }
    }

    private void serve(Path netns, CompletableFuture<Void> entered) {
        if (netns != null) {
            try {
                InNetns.enter(netns);
            } catch (ErrnoException | RuntimeException e) {
                closed = true;
                entered.completeExceptionally(e);
                return;
            }
        }
        entered.complete(null);
        while (true) {
            FutureTask<?> task;
            try {
                task = tasks.take();
            } catch (InterruptedException e) {
                continue;
            }
            if (task == STOP) {
                return;
            }
            task.run();
        }
    }

    private void join() {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
