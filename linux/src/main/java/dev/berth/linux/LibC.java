package dev.berth.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Direct system calls through FFM. Loaded only where a call cannot go through the stage or the
 * monitor, because linking the first downcall costs tens of milliseconds on a cold JVM.
 */
public final class LibC {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
        STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle KILL = LINKER.downcallHandle(
        LINKER.defaultLookup().find("kill").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
        ERRNO);

    private LibC() {}

    /**
     * {@code int kill(pid_t pid, int sig);}
     *
     * @throws ErrnoException with ESRCH when the process is gone
     */
    public static void kill(long pid, int signal) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int rc = (int) KILL.invokeExact(state, (int) pid, signal);
            if (rc < 0) {
                int errno = (int) ERRNO_HANDLE.get(state, 0L);
                throw new ErrnoException("kill", String.valueOf(pid), errno);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("kill downcall failed", t);
        }
    }
}
