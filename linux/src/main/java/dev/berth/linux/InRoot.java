package dev.berth.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Paths looked up inside a directory as if it were {@code /}, for a tree that someone else
 * controls (a container's root): {@code ..} at the top stays at the top, and a symlink's
 * target, absolute or relative, is resolved inside the tree too, as the container sees it.
 *
 * <p>The kernel does it with {@code openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)} (Linux
 * 5.6), which also refuses {@code /proc/self/root}-like links and answers EAGAIN when a rename
 * raced with a {@code ..}, so the lookup is retried. Where openat2 is missing (ENOSYS) the same
 * walk is done here one component at a time: each step is an {@code openat(O_PATH|O_NOFOLLOW)}
 * of one name relative to the descriptor of the step before; a symlink is read through its own
 * descriptor and its target's components put in front of what is left; {@code ..} drops the last
 * descriptor held instead of asking the kernel for a parent, so no rename, mount or symlink swap
 * made meanwhile can lead above the root. A magic link is only read as text there (its text
 * resolves inside the root like any symlink). {@code BERTH_OPENAT2=off} forces the walk.
 */
public final class InRoot implements AutoCloseable {
    private static final int RESOLVE_NO_MAGICLINKS = 0x02;
    private static final int RESOLVE_IN_ROOT = 0x10;
    private static final int EAGAIN = 11;
    private static final int ENOSYS = 38;
    private static final int ELOOP = 40;
    private static final int MAX_LINKS = 40;
    private static volatile boolean openat2 = !"off".equals(System.getenv("BERTH_OPENAT2"));
    private final Fd root;

    private InRoot(Fd root) {
        this.root = root;
    }

    /** Lookups below {@code root}, which this now owns. */
    public static InRoot of(Fd root) {
        return new InRoot(root);
    }

    /** Whether lookups use openat2 (false after ENOSYS, or with {@code BERTH_OPENAT2=off}). */
    public static boolean usesOpenat2() {
        return openat2;
    }

    /** For tests: the component walk instead of openat2, or back. */
    public static void useOpenat2(boolean on) {
        openat2 = on;
    }

    public Fd root() {
        return root;
    }

    /**
     * An {@code O_PATH} descriptor of {@code path} ({@code /} or empty: the root). Every symlink
     * on the way is followed inside the root; the last one only when {@code followLast}.
     */
    public Fd open(String path, boolean followLast) throws ErrnoException {
        String rel = relative(path);
        if (openat2) {
            try {
                return openat2(rel, followLast);
            } catch (ErrnoException e) {
                if (e.errno() != ENOSYS) {
                    throw e;
                }
                openat2 = false;
            }
        }
        return walk(rel, followLast);
    }

    /** {@code path}'s directory, resolved in the root, and its last name (null for the root or a path ending in . or ..). */
    public record Parent(Fd dir, String name) implements AutoCloseable {
        @Override
        public void close() {
            dir.close();
        }
    }

    /**
     * Splits {@code path} as docker's {@code ResolvePath} does: its directory is resolved with
     * every symlink followed, its last name is not looked up at all. A path whose last name is
     * {@code .}, {@code ..} or nothing is resolved whole and has no name.
     */
    public Parent parent(String path) throws ErrnoException {
        String rel = relative(path);
        int slash = rel.lastIndexOf('/');
        String name = rel.substring(slash + 1);
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            return new Parent(open(rel, true), null);
        }
        return new Parent(open(slash < 0 ? "" : rel.substring(0, slash), true), name);
    }

    private static String relative(String path) {
        int i = 0;
        while (i < path.length() && path.charAt(i) == '/') {
            i++;
        }
        return path.substring(i);
    }

    private Fd openat2(String rel, boolean followLast) throws ErrnoException {
        String p = rel.isEmpty() ? "." : rel;
        long flags = Fd.O_PATH | Fd.O_CLOEXEC | (followLast ? 0 : Fd.O_NOFOLLOW);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.state(a);
            MemorySegment how = a.allocate(24, 8);
            how.set(ValueLayout.JAVA_LONG, 0, flags);
            how.set(ValueLayout.JAVA_LONG, 8, 0);
            how.set(ValueLayout.JAVA_LONG, 16, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
            long name = a.allocateFrom(p).address();
            for (int attempt = 0; ; attempt++) {
                long rc = Syscall.call(st, Fd.OPENAT2, root.number(), name, how.address(), 24, 0, 0);
                if (rc >= 0) {
                    return new Fd((int) rc);
                }
                int errno = Native.errno(st);
                if (errno != EAGAIN || attempt == 100) {
                    throw new ErrnoException("openat2", "/" + rel, errno);
                }
            }
        }
    }

    private Fd walk(String rel, boolean followLast) throws ErrnoException {
        return walk(rel, followLast, null);
    }

    /**
     * The path {@code path} leads to with every symlink followed inside the root, as an
     * absolute path in the root ({@code /} for the root), as docker's
     * {@code FollowSymlinkInScope}: a part that does not exist ends the walk and the rest is
     * appended as it is. For messages and docker's {@code linkTarget}; files are opened by
     * {@link #open}, never by this string.
     */
    public String resolvedPath(String path) throws ErrnoException {
        Deque<String> names = new ArrayDeque<>();
        walk(relative(path), true, names);
        return "/" + String.join("/", names);
    }

    /**
     * The component walk. For {@link #open} ({@code names} null) the descriptor {@code rel}
     * leads to; for {@link #resolvedPath} null, and the names of the way in {@code names}: a
     * part that does not exist ends it there.
     */
    private Fd walk(String rel, boolean followLast, Deque<String> names) throws ErrnoException {
        Deque<String> todo = new ArrayDeque<>(split(rel));
        Deque<Fd> held = new ArrayDeque<>();
        int links = 0;
        try {
            while (!todo.isEmpty()) {
                String c = todo.pollFirst();
                if (c.isEmpty() || c.equals(".")) {
                    continue;
                }
                if (c.equals("..")) {
                    if (!held.isEmpty()) {
                        held.pop().close();
                        if (names != null) {
                            names.removeLast();
                        }
                    }
                    continue;
                }
                boolean last = !hasName(todo);
                Fd dir = held.isEmpty() ? root : held.peek();
                Fd next;
                try {
                    next = dir.openAt(c, Fd.O_PATH, 0);
                } catch (ErrnoException e) {
                    if (names == null || e.errno() != Errno.ENOENT) {
                        throw e;
                    }
                    names.addLast(c);
                    for (String rest : todo) {
                        if (!rest.isEmpty() && !rest.equals(".")) {
                            names.addLast(rest);
                        }
                    }
                    return null;
                }
                FileInfo st;
                try {
                    st = next.stat();
                } catch (ErrnoException e) {
                    next.close();
                    throw e;
                }
                if (st.isSymlink() && (!last || followLast || !todo.isEmpty())) {
                    String target;
                    try {
                        target = next.readLink();
                    } finally {
                        next.close();
                    }
                    if (++links > MAX_LINKS) {
                        throw new ErrnoException("walk", "/" + rel, ELOOP);
                    }
                    if (target.startsWith("/")) {
                        while (!held.isEmpty()) {
                            held.pop().close();
                        }
                        if (names != null) {
                            names.clear();
                        }
                    }
                    List<String> parts = split(target);
                    for (int i = parts.size() - 1; i >= 0; i--) {
                        todo.addFirst(parts.get(i));
                    }
                    continue;
                }
                // a file with more to come: ENOTDIR; resolvedPath leaves it to the next openat
                if (names == null && !st.isDirectory() && !todo.isEmpty()) {
                    next.close();
                    throw new ErrnoException("walk", "/" + rel, Errno.ENOTDIR);
                }
                held.push(next);
                if (names != null) {
                    names.addLast(c);
                }
            }
            if (names != null) {
                return null;
            }
            return held.isEmpty() ? root.openAt(".", Fd.O_PATH, 0) : held.pop();
        } finally {
            while (!held.isEmpty()) {
                held.pop().close();
            }
        }
    }

    /** Whether a name other than . or empty is still to come (a trailing / or /. is not one). */
    private static boolean hasName(Deque<String> todo) {
        for (String s : todo) {
            if (!s.isEmpty() && !s.equals(".")) {
                return true;
            }
        }
        return false;
    }

    private static List<String> split(String p) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= p.length(); i++) {
            if (i == p.length() || p.charAt(i) == '/') {
                out.add(p.substring(start, i));
                start = i + 1;
            }
        }
        return out;
    }

    @Override
    public void close() {
        root.close();
    }
}
