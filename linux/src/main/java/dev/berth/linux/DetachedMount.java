package dev.berth.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * A file system mounted with the new mount API ({@code fsopen}, {@code fsconfig},
 * {@code fsmount}, Linux 5.2) and never attached anywhere: it is reachable only through the
 * returned descriptor and goes away when that is closed, or when this process dies. Used to see
 * a stopped container's overlay as the container sees it without a mount on the host that a
 * crash could leave behind.
 */
public final class DetachedMount {
    private static final long FSOPEN = 430;
    private static final long FSCONFIG = 431;
    private static final long FSMOUNT = 432;
    private static final int FSCONFIG_SET_FLAG = 0;
    private static final int FSCONFIG_SET_STRING = 1;
    private static final int FSCONFIG_CMD_CREATE = 6;

    private DetachedMount() {}

    /**
     * Mounts {@code type} with string options ({@code value} null: a flag such as
     * {@code userxattr}) and returns the descriptor of its root.
     */
    public static Fd mount(String type, Map<String, String> options) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            long fs = Syscall.call(st, FSOPEN, a.allocateFrom(type).address(), 1, 0, 0, 0, 0);
            if (fs < 0) {
                throw new ErrnoException("fsopen", type, Native.errno(st));
            }
            try (Fd ctx = new Fd((int) fs)) {
                for (Map.Entry<String, String> o : options.entrySet()) {
                    long key = a.allocateFrom(o.getKey()).address();
                    long rc = o.getValue() == null
                        ? Syscall.call(st, FSCONFIG, fs, FSCONFIG_SET_FLAG, key, 0, 0, 0)
                        : Syscall.call(st, FSCONFIG, fs, FSCONFIG_SET_STRING, key, a.allocateFrom(o.getValue()).address(), 0, 0);
                    if (rc < 0) {
                        throw new ErrnoException("fsconfig", type + " " + o.getKey(), Native.errno(st));
                    }
                }
                if (Syscall.call(st, FSCONFIG, fs, FSCONFIG_CMD_CREATE, 0, 0, 0, 0) < 0) {
                    throw new ErrnoException("fsconfig", type + " create", Native.errno(st));
                }
                long m = Syscall.call(st, FSMOUNT, fs, 1, 0, 0, 0, 0);
                if (m < 0) {
                    throw new ErrnoException("fsmount", type, Native.errno(st));
                }
                return new Fd((int) m);
            }
        }
    }
}
