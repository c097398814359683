package dev.berth.runtime.stage;

import dev.berth.linux.NsKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The namespaces of the machine as the stage sees them (F_NSSCAN, {@code native/stage/nsscan.c}):
 * every process's, those held by open file descriptors, those behind given files (bind mounts),
 * and for each its kind, owning user namespace, parent and owner uid from {@code ioctl_ns(2)}.
 * A question answered by a stage, because a cold JVM walks /proc ten times slower and cannot
 * call ioctl without linking FFM.
 */
public final class NsScanner {
    /** A process and the inode of each of its namespaces (0: not visible). */
    public record Proc(int pid, int ppid, int uid, String comm, Map<NsKind, Long> inodes) {}

    /** An open file descriptor that holds a namespace (it may keep one alive with no process). */
    public record Held(int pid, int fd, NsKind kind, long inode) {}

    /** A file asked about: a namespace (errno 0) or why not (ENOTTY: not a namespace file). */
    public record PathInfo(String path, int errno, NsKind kind, long inode) {}

    /**
     * What ioctl_ns tells of one namespace. {@code owner} is the owning user namespace and
     * {@code parent} the parent user or PID namespace (0 when none, or outside our view);
     * {@code ownerUid} is the uid that created a user namespace (-1 for other kinds).
     */
    public record Info(long inode, NsKind kind, int ownerUid, long owner, long parent) {}

    /** {@code cmdlines}: pid to command line (arguments joined by spaces), when asked for. */
    public record Result(List<Proc> procs, List<Held> held, List<PathInfo> paths, Map<Long, Info> namespaces,
        Map<Integer, String> cmdlines) {}

    private NsScanner() {}

    /** Scans processes (and their fds, with {@code fds}) and asks about {@code paths}. */
    public static Result scan(boolean procs, boolean fds, List<String> paths) throws IOException {
        return scan(procs, fds, false, paths);
    }

    /** The same, with every process's command line when {@code cmdlines}. */
    public static Result scan(boolean procs, boolean fds, boolean cmdlines, List<String> paths) throws IOException {
        int flags = (procs ? Protocol.NS_SCAN_PROCS : 0) | (fds ? Protocol.NS_SCAN_FDS : 0)
            | (cmdlines ? Protocol.NS_SCAN_CMDLINE : 0);
        List<byte[]> encoded = new ArrayList<>();
        int size = 4;
        for (String p : paths) {
            byte[] bytes = p.getBytes(StandardCharsets.UTF_8);
            encoded.add(bytes);
            size += bytes.length + 1;
        }
        ByteBuffer req = Frame.le(size).putInt(flags);
        for (byte[] p : encoded) {
            req.put(p).put((byte) 0);
        }
        StageSession s;
        try {
            s = StageSession.open(null);
        } catch (StageException e) {
            throw new IOException(e.getMessage(), e);
        }
        try {
            s.send(new Frame(Protocol.F_NSSCAN, req.array()));
            Result r = new Result(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new LinkedHashMap<>(),
                new java.util.HashMap<>());
            for (Frame f; (f = s.next()) != null; ) {
                ByteBuffer b = ByteBuffer.wrap(f.payload()).order(ByteOrder.LITTLE_ENDIAN);
                switch (f.type()) {
                    case Protocol.F_NSPROC -> readProcs(b, r.procs());
                    case Protocol.F_NSFD -> readHeld(b, r.held());
                    case Protocol.F_NSPATH -> readPaths(b, r.paths());
                    case Protocol.F_NSINFO -> readInfos(b, r.namespaces());
                    case Protocol.F_NSCMD -> readCmdlines(b, r.cmdlines());
                    case Protocol.F_NSEND -> {
                        return r;
                    }
                    case Protocol.F_ERROR -> throw new IOException("namespace scan failed: "
                        + new String(f.payload(), 8, f.payload().length - 8, StandardCharsets.UTF_8));
                    default -> throw new IOException("stage protocol: unexpected frame '" + (char) f.type() + "'");
                }
            }
            throw new IOException("the berth stage exited during the namespace scan");
        } finally {
            s.close();
        }
    }

    private static void readProcs(ByteBuffer b, List<Proc> out) {
        while (b.remaining() >= 4 + 4 + 4 + 16 + 8 * 12) {
            int pid = b.getInt();
            int ppid = b.getInt();
            int uid = b.getInt();
            byte[] comm = new byte[16];
            b.get(comm);
            int len = 0;
            while (len < comm.length && comm[len] != 0) {
                len++;
            }
            Map<NsKind, Long> inodes = new EnumMap<>(NsKind.class);
            for (int k = 0; k < 8; k++) {
                NsKind kind = kind(b.getInt());
                long ino = b.getLong();
                if (kind != null && ino != 0) {
                    inodes.put(kind, ino);
                }
            }
            out.add(new Proc(pid, ppid, uid, new String(comm, 0, len, StandardCharsets.UTF_8), inodes));
        }
    }

    private static void readHeld(ByteBuffer b, List<Held> out) {
        while (b.remaining() >= 20) {
            int pid = b.getInt();
            int fd = b.getInt();
            NsKind kind = kind(b.getInt());
            long ino = b.getLong();
            if (kind != null) {
                out.add(new Held(pid, fd, kind, ino));
            }
        }
    }

    private static void readPaths(ByteBuffer b, List<PathInfo> out) {
        while (b.remaining() > 16) {
            int errno = b.getInt();
            NsKind kind = kind(b.getInt());
            long ino = b.getLong();
            int start = b.position();
            int end = start;
            while (end < b.limit() && b.get(end) != 0) {
                end++;
            }
            out.add(new PathInfo(new String(b.array(), start, end - start, StandardCharsets.UTF_8), errno, kind, ino));
            b.position(Math.min(b.limit(), end + 1));
        }
    }

    private static void readCmdlines(ByteBuffer b, Map<Integer, String> out) {
        while (b.remaining() >= 8) {
            int pid = b.getInt();
            int n = Math.min(b.getInt(), b.remaining());
            byte[] bytes = new byte[n];
            b.get(bytes);
            while (n > 0 && bytes[n - 1] == 0) {
                n--;
            }
            for (int i = 0; i < n; i++) {
                if (bytes[i] == 0) {
                    bytes[i] = ' ';
                }
            }
            out.put(pid, new String(bytes, 0, n, StandardCharsets.UTF_8));
        }
    }

    private static void readInfos(ByteBuffer b, Map<Long, Info> out) {
        while (b.remaining() >= 32) {
            long ino = b.getLong();
            NsKind kind = kind(b.getInt());
            int ownerUid = b.getInt();
            long owner = b.getLong();
            long parent = b.getLong();
            out.put(ino, new Info(ino, kind, ownerUid, owner, parent));
        }
    }

    private static NsKind kind(int cloneFlag) {
        for (NsKind k : NsKind.values()) {
            if (k.cloneFlag() == cloneFlag) {
                return k;
            }
        }
        return null;
    }
}
