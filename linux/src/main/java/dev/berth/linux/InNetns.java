package dev.berth.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
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
    private static final MethodHandle OPEN = Native.libc("open",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SETNS = Native.libc("setns",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = Native.libc("close",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private InNetns() {}

    /**
     * Calls {@code work} with the thread in the network namespace of {@code netns}
     * ({@code /proc/PID/ns/net}, {@code /run/netns/NAME} or any bind mount of one).
     *
     * @throws ErrnoException when the namespace cannot be opened or entered
     */
    public static <T> T call(Path netns, Callable<T> work) throws Exception {
        FutureTask<T> task = new FutureTask<>(() -> {
            enter(netns);
            return work.call();
        });
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

    /** Moves the calling thread into the namespace of {@code netns}, for good. */
    static void enter(Path netns) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(netns.toString()), O_RDONLY_CLOEXEC);
            if (fd < 0) {
                throw new ErrnoException("open", netns.toString(), Native.errno(state));
            }
            int rc = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
            int errno = Native.errno(state);
            int ignored = (int) CLOSE.invokeExact(state, fd);
            if (rc < 0) {
                throw new ErrnoException("setns", netns.toString(), errno);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.failed("setns", t);
        }
    }
}
