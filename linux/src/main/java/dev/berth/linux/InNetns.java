package dev.berth.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Runs code in another network namespace. setns(2) into a network namespace moves only the
 * calling thread, so the work runs on a platform thread of its own that ends with it; the JVM's
 * other threads never change namespace. A socket keeps the namespace it was made in, so a
 * netlink socket opened here may be used from any thread afterwards.
 */
public final class InNetns {
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;

    private InNetns() {}

    /**
     * Calls {@code work} with the thread in the network namespace of {@code netns}
     * ({@code /proc/PID/ns/net}, {@code /run/netns/NAME} or any bind mount of one).
     *
     * @throws ErrnoException when the namespace cannot be opened or entered
     */
    public static <T> T call(Path netns, Callable<T> work) throws Exception {
        FutureTask<T> task = new FutureTask<>(new Entered<>(netns, work));
        Thread thread = Thread.ofPlatform().name("netns " + netns).daemon().start(task);
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw (Error) e.getCause();
        } finally {
            thread.join();
        }
    }

    /** The work behind setns, as a class: a lambda's bootstrap costs a cold start milliseconds. */
    private record Entered<T>(Path netns, Callable<T> work) implements Callable<T> {
        @Override
        public T call() throws Exception {
            enter(netns);
            return work.call();
        }
    }

    /** Moves the calling thread into the namespace of {@code netns}, for good. */
    static void enter(Path netns) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            // through Syscall's one downcall, which rtnetlink links anyway
            MemorySegment state = Native.state(arena);
            MemorySegment path = arena.allocateFrom(netns.toString());
            long fd = Syscall.call(state, Syscall.OPENAT, Syscall.AT_FDCWD, path.address(), O_RDONLY_CLOEXEC, 0, 0, 0);
            if (fd < 0) {
                throw new ErrnoException("open", netns.toString(), Native.errno(state));
            }
            long rc = Syscall.call(state, Syscall.SETNS, fd, CLONE_NEWNET, 0, 0, 0, 0);
            int errno = Native.errno(state);
            Syscall.call(state, Syscall.CLOSE, fd, 0, 0, 0, 0, 0);
            if (rc < 0) {
                throw new ErrnoException("setns", netns.toString(), errno);
            }
        }
    }
}
