package dev.berth.linux.netlink;

import dev.berth.linux.ErrnoException;
import dev.berth.linux.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * An fd of a network namespace file ({@code /proc/PID/ns/net}, {@code /run/netns/NAME}) for
 * IFLA_NET_NS_FD, open only for the request that carries it: O_CLOEXEC, so a process spawned
 * meanwhile does not inherit (and pin) the namespace.
 */
final class NetnsFd implements AutoCloseable {
    private static final int O_RDONLY_CLOEXEC = 0x80000;

    private final MemorySegment state;
    private final int fd;

    private NetnsFd(MemorySegment state, int fd) {
        this.state = state;
        this.fd = fd;
    }

    /** @throws ErrnoException naming the path, e.g. ENOENT when the namespace's process is gone */
    static NetnsFd open(Arena arena, Path netns) throws ErrnoException {
        MemorySegment state = Native.state(arena);
        return new NetnsFd(state, Sys.open(state, arena.allocateFrom(netns.toString()), O_RDONLY_CLOEXEC,
            netns.toString()));
    }

    int fd() {
        return fd;
    }

    @Override
    public void close() {
        Sys.close(state, fd);
    }
}
