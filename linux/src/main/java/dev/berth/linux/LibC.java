package dev.berth.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Direct system calls through FFM. Loaded only where a call cannot go through the stage or the
 * monitor, because linking the first downcall costs tens of milliseconds on a cold JVM.
 */
public final class LibC {
    private static final MethodHandle KILL = Native.libc("kill",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private LibC() {}

    /**
     * {@code int kill(pid_t pid, int sig);}
     *
     * @throws ErrnoException with ESRCH when the process is gone
     */
    public static void kill(long pid, int signal) throws ErrnoException {
        int rc;
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            rc = (int) KILL.invokeExact(state, (int) pid, signal);
            errno = Native.errno(state);
        } catch (Throwable t) {
            throw Native.failed("kill", t);
        }
        if (rc < 0) {
            throw new ErrnoException("kill", String.valueOf(pid), errno);
        }
    }
}
