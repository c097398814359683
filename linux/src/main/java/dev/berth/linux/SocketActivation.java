package dev.berth.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.channels.Channel;

/**
 * systemd's socket activation (sd_listen_fds(3)): the listening socket arrives as fd 3 with
 * LISTEN_PID and LISTEN_FDS in the environment. The JDK adopts an inherited socket only on fd 0
 * ({@link System#inheritedChannel}), so fd 3 is moved there first.
 */
public final class SocketActivation {
    /** The first passed descriptor, SD_LISTEN_FDS_START. */
    private static final int FIRST = 3;
    private static final MethodHandle DUP2 = Native.libc("dup2",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private SocketActivation() {}

    /** How many sockets systemd passed to this process: 0 when it passed none or to another one. */
    public static int passed() {
        String pid = System.getenv("LISTEN_PID");
        String fds = System.getenv("LISTEN_FDS");
        if (pid == null || fds == null || !pid.equals(String.valueOf(ProcessHandle.current().pid()))) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(fds));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The first passed socket as a channel (a ServerSocketChannel for a listening socket). */
    public static Channel first() throws ErrnoException, IOException {
        int rc;
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            rc = (int) DUP2.invokeExact(state, FIRST, 0);
            errno = Native.errno(state);
        } catch (Throwable t) {
            throw Native.failed("dup2", t);
        }
        if (rc < 0) {
            throw new ErrnoException("dup2", String.valueOf(FIRST), errno);
        }
        return System.inheritedChannel();
    }
}
