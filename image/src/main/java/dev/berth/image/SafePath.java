package dev.berth.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Paths of a layer entry inside the unpack root, resolved without ever leaving it. Entry names
 * are cleaned first: {@code ./} prefixes and empty components dropped, an absolute name or a
 * {@code ..} component refused. Directories on the way are resolved one component at a time
 * with {@code lstat}: a symlink is followed only within the root (an absolute target is taken
 * relative to the root, as the container will see it; a target that climbs above the root is
 * refused), and a missing directory is created. The last component is never followed.
 *
 * <p>This is safe because nothing but the unpacker writes to the root while it runs (a fresh
 * directory of the store, mode 0700): there is no other writer to swap a component between the
 * check and the use, which is the race openat2's RESOLVE_IN_ROOT closes in the general case.
 */
final class SafePath {
    private static final int MAX_LINKS = 40;

    private SafePath() {}

    /** The components of an entry name; throws for absolute names and {@code ..}. */
    static List<String> clean(String name, String what) throws ImageException.Refused {
        if (name.startsWith("/")) {
            throw new ImageException.Refused(what + " \"" + name + "\" is an absolute path; layers hold relative paths only");
        }
        List<String> out = new ArrayList<>();
        for (String c : name.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                throw new ImageException.Refused(what + " \"" + name + "\" contains \"..\"; it could reach outside the root");
            }
            if (c.indexOf('\0') >= 0) {
                throw new ImageException.Refused(what + " \"" + name + "\" contains a NUL byte");
            }
            out.add(c);
        }
        return out;
    }

    /**
     * The host directory for {@code dirs} (components from the root), following symlinks only
     * inside {@code root} and creating what is missing as 0755 directories.
     */
    static Path directory(Path root, List<String> dirs, String entry) throws IOException {
        return directory(root, dirs, entry, null);
    }

    /** What is done to a directory {@link #directory} had to create (a layer without its parent's entry). */
    interface Made {
        void made(Path dir) throws IOException;
    }

    static Path directory(Path root, List<String> dirs, String entry, Made made) throws IOException {
        Deque<String> todo = new ArrayDeque<>(dirs);
        Deque<String> done = new ArrayDeque<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (done.pollLast() == null) {
                    throw new ImageException.Refused("entry \"" + entry + "\" goes through a symlink that points above the root");
                }
                continue;
            }
            Path here = join(root, done).resolve(part);
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(here, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (java.nio.file.NoSuchFileException e) {
                Files.createDirectory(here);
                if (made != null) {
                    made.made(here);
                }
                done.addLast(part);
                continue;
            }
            if (a.isDirectory()) {
                done.addLast(part);
            } else if (a.isSymbolicLink()) {
                if (++links > MAX_LINKS) {
                    throw new ImageException.Refused("entry \"" + entry + "\": too many levels of symbolic links");
                }
                String target = Files.readSymbolicLink(here).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                String[] parts = target.split("/");
                for (int i = parts.length - 1; i >= 0; i--) {
                    todo.addFirst(parts[i]);
                }
            } else {
                throw new ImageException.BadFormat("entry \"" + entry + "\": " + String.join("/", done)
                    + (done.isEmpty() ? "" : "/") + part + " is not a directory");
            }
        }
        return join(root, done);
    }

    private static Path join(Path root, Deque<String> parts) {
        Path p = root;
        for (String s : parts) {
            p = p.resolve(s);
        }
        return p;
    }
}
