package dev.berth.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A path inside a root filesystem that the container's owner controls, resolved the way the
 * container will see it: symlinks are followed relative to the root and {@code ..} stops at
 * it, so a mount target can never land outside the rootfs (what filepath-securejoin does
 * for runc). The result is a host path under {@code root} whose existing components are not
 * symlinks.
 */
public final class RootfsPath {
    private static final int MAX_LINKS = 40;

    private RootfsPath() {}

    public static Path resolve(Path root, String path) throws IOException {
        Deque<String> todo = new ArrayDeque<>();
        push(todo, path);
        Deque<String> done = new ArrayDeque<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pop();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                done.pollLast();
                continue;
            }
            Path candidate = join(root, done).resolve(part);
            if (!Files.isSymbolicLink(candidate)) {
                done.addLast(part);
                continue;
            }
            if (++links > MAX_LINKS) {
                throw new IOException("too many levels of symbolic links in " + path);
            }
            String target = Files.readSymbolicLink(candidate).toString();
            if (target.startsWith("/")) {
                done.clear();
            }
            push(todo, target);
        }
        return join(root, done);
    }

    /** Pushes the components of {@code p} so that the first one is popped first. */
    private static void push(Deque<String> todo, String p) {
        String[] parts = p.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.push(parts[i]);
        }
    }

    private static Path join(Path root, Deque<String> parts) {
        Path p = root;
        for (String s : parts) {
            p = p.resolve(s);
        }
        return p;
    }
}
