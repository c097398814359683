package dev.berth.runtime.cgroup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** File operations on cgroup directories, each failure named by its file. */
final class Fs {
    /** One value for one cgroup file, planned before anything is written. */
    record Write(Path file, String value) {}

    private Fs() {}

    /**
     * One write(2) of {@code value}. Never O_CREAT: a missing file means a missing controller or
     * kernel feature, and creating it (in a test's fake tree) would hide that.
     */
    static void write(Path file, String value) throws CgroupException {
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new CgroupException("cannot set " + file.getFileName() + " in " + file.getParent()
                + ": the file does not exist (controller not enabled, or not supported by this kernel)");
        } catch (IOException e) {
            throw new CgroupException("cannot set " + file.getFileName() + " to \"" + oneLine(value) + "\" in "
                + file.getParent() + ": " + reason(e), e);
        }
    }

    static void apply(List<Write> writes) throws CgroupException {
        for (Write w : writes) {
            write(w.file(), w.value());
        }
    }

    /** The file's text, or null when it cannot be read (missing controller, old kernel). */
    static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    static String readRequired(Path file) throws CgroupException {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CgroupException("cannot read " + file + ": " + reason(e), e);
        }
    }

    /** A one-number file; {@code max} is -1; null when missing or not a number. */
    static Long number(Path file) {
        String s = read(file);
        if (s == null) {
            return null;
        }
        try {
            return Convert.parseMax(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A flat keyed file ({@code memory.stat}, {@code cpu.stat}, {@code cgroup.events}): key, space, number. */
    static Map<String, Long> keyed(Path file) {
        String s = read(file);
        Map<String, Long> out = new LinkedHashMap<>();
        if (s == null) {
            return out;
        }
        for (String line : s.split("\n")) {
            int sp = line.indexOf(' ');
            if (sp <= 0) {
                continue;
            }
            try {
                out.put(line.substring(0, sp), Long.parseLong(line.substring(sp + 1).strip()));
            } catch (NumberFormatException e) {
                // a line of another shape (memory.numa_stat style): not ours
            }
        }
        return out;
    }

    static boolean exists(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Makes {@code dir} and its missing parents below {@code mount}; returns the ones made here,
     * top first, so that a failure can remove exactly those.
     */
    static List<Path> mkdirs(Path mount, Path dir) throws CgroupException {
        // the usual case first, one mkdir: a new cgroup under a parent that is there (the stats
        // and the failed lookup of the walk below cost four calls per hierarchy on a cold JVM)
        if (!dir.equals(mount)) {
            try {
                Files.createDirectory(dir);
                return new ArrayList<>(List.of(dir));
            } catch (FileAlreadyExistsException e) {
                if (Files.isDirectory(dir)) {
                    return new ArrayList<>(); // reused, as below
                }
            } catch (IOException e) {
                // a parent is missing, or the hierarchy is not mounted: the walk says which
            }
        }
        if (!Files.isDirectory(mount)) {
            throw new CgroupException("cgroup hierarchy " + mount + " is not mounted");
        }
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; !p.equals(mount) && !Files.isDirectory(p); p = p.getParent()) {
            missing.add(0, p);
        }
        List<Path> created = new ArrayList<>();
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
                created.add(p);
            } catch (FileAlreadyExistsException e) {
                // made at the same moment by someone else (another container's parent): theirs
            } catch (IOException e) {
                rollback(created);
                throw new CgroupException("cannot create cgroup " + p + ": " + reason(e), e);
            }
        }
        return created;
    }

    /**
     * Removes what {@link #mkdirs} made, deepest first, each by a plain rmdir: a parent that
     * another container started to use meanwhile is not empty and stays, with its children.
     */
    static void rollback(List<Path> created) {
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                rmdir(created.get(i), 3);
            } catch (CgroupException e) {
                // best effort: the error being reported is the one that made us roll back
            }
        }
    }

    /**
     * Removes the cgroup and, first, the cgroups below it. A missing cgroup is already removed.
     */
    static void removeTree(Path dir) throws CgroupException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        for (Path child : children(dir)) {
            removeTree(child);
        }
        rmdir(dir, 10);
    }

    /** One rmdir(2): true when {@code dir} is gone (or was never there). */
    static boolean rmdirOnce(Path dir) {
        try {
            Files.delete(dir);
            return true;
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            return false; // children, processes, or not ours to remove: the caller looks closer
        }
    }

    /**
     * rmdir(2), retried: a cgroup whose last process is still exiting refuses with EBUSY for a
     * moment, so up to {@code tries} attempts with doubling pauses from 1 ms (10: about a second).
     */
    private static void rmdir(Path dir, int tries) throws CgroupException {
        long pause = 1;
        for (int attempt = 1; ; attempt++) {
            try {
                Files.delete(dir);
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (IOException e) {
                if (attempt >= tries) {
                    throw new CgroupException("cannot remove cgroup " + dir + ": " + reason(e)
                        + " (are processes or child cgroups still in it? kill them first)", e);
                }
            }
            sleep(pause);
            pause *= 2;
        }
    }

    /** The sub-cgroups of {@code dir}: its directories. */
    static List<Path> children(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            // gone meanwhile: no children
        }
        return out;
    }

    /** The pids in {@code cgroup.procs} of {@code dir} and of every cgroup below it. */
    static void pids(Path dir, Set<Long> out) {
        String s = read(dir.resolve("cgroup.procs"));
        if (s == null) {
            return;
        }
        for (String line : s.split("\n")) {
            if (!line.isEmpty()) {
                try {
                    out.add(Long.parseLong(line.strip()));
                } catch (NumberFormatException e) {
                    // not a pid
                }
            }
        }
        for (Path child : children(dir)) {
            pids(child, out);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** strerror as the JDK reports it, lower-cased to fit berth's one-line messages. */
    static String reason(IOException e) {
        String r = e instanceof java.nio.file.FileSystemException f && f.getReason() != null
            ? f.getReason() : e.getMessage();
        if (r == null || r.isEmpty()) {
            return e.getClass().getSimpleName();
        }
        return Character.toLowerCase(r.charAt(0)) + r.substring(1);
    }

    private static String oneLine(String v) {
        String s = v.strip();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl) + " ...";
    }
}
