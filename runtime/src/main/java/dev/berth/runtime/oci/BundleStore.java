package dev.berth.runtime.oci;

import dev.berth.linux.Procs;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The containers of one {@code berth-runtime --root}: a directory per id holding
 * {@code creator}, {@code state.json} (replaced atomically) and, from create until start,
 * {@code exec.fifo}. The directory is made as {@code ~ID} with its creator file (the creating
 * process's pid and start time, and the container's cgroup) and renamed into place: that
 * rename is the claim of the id, so two creates of one id cannot both win, and a directory
 * without state.json always says who was making it. One whose creator is gone was left by a
 * crash ({@link #abandoned}); {@code delete -f} and the next create of the id take it back.
 */
public final class BundleStore {
    public static final String STATE = "state.json";
    public static final String EXEC_FIFO = "exec.fifo";
    public static final String CONFIG = "config.json";
    public static final String CREATOR = "creator";

    private final Path root;

    public BundleStore(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path dir(String id) {
        return root.resolve(id);
    }

    /**
     * Claims {@code id} for a container whose cgroup will be {@code cgroup}; false if a
     * container of that id exists (or is being created by a live process).
     */
    public boolean claim(String id, String cgroup) throws IOException {
        Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        Path tmp = temporary(id);
        try {
            Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        } catch (FileAlreadyExistsException e) {
            return false; // another create of this id is on its way, or died here: see abandoned
        }
        try {
            long pid = Procs.self();
            Files.writeString(tmp.resolve(CREATOR), pid + " " + Procs.startTime(pid) + " " + cgroup + "\n");
            Files.move(tmp, dir(id), StandardCopyOption.ATOMIC_MOVE); // fails on a directory that is not empty
            return true;
        } catch (FileSystemException e) {
            if (Files.isDirectory(dir(id))) {
                deleteDir(tmp);
                return false;
            }
            deleteDir(tmp);
            throw e;
        } catch (IOException | RuntimeException e) {
            deleteDir(tmp);
            throw e;
        }
    }

    /** Where a create of {@code id} makes its directory before the rename: {@code ~} is in no id. */
    private Path temporary(String id) {
        return root.resolve("~" + id);
    }

    /** Who made a container's directory: the creating process, and the container's cgroup. */
    public record Creator(long pid, long startTime, String cgroup) {
        public boolean alive() {
            return Procs.alive(pid, startTime);
        }
    }

    /** The creator of the directory {@code dir}, or null when it has no readable creator file. */
    static Creator creator(Path dir) {
        try {
            String[] f = Files.readString(dir.resolve(CREATOR)).strip().split(" ", 3);
            return new Creator(Long.parseLong(f[0]), Long.parseLong(f[1]), f.length > 2 ? f[2] : "");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * What a crash left for {@code id}: its directory and the temporary one, those of them that
     * have no state and no live creator (a create killed before the state's first write, or a
     * delete killed after it removed the state). Empty when there is nothing, or a live
     * process is creating the container right now.
     */
    public List<Path> abandoned(String id) {
        List<Path> out = new ArrayList<>();
        for (Path d : List.of(dir(id), temporary(id))) {
            if (!Files.isDirectory(d) || Files.exists(d.resolve(STATE))) {
                continue;
            }
            Creator c = creator(d);
            if (c != null && c.alive()) {
                return List.of();
            }
            out.add(d);
        }
        return out;
    }

    /** Whether a live process is creating {@code id} right now (its directory has no state yet). */
    public boolean beingCreated(String id) {
        for (Path d : List.of(dir(id), temporary(id))) {
            Creator c = Files.exists(d.resolve(STATE)) ? null : creator(d);
            if (c != null && c.alive()) {
                return true;
            }
        }
        return false;
    }

    /** Held while what a crash left is taken back, so that two callers do not both do it. */
    public AtomicFiles.Lock repairLock() throws IOException {
        Files.createDirectories(root);
        return AtomicFiles.lock(root.resolve("~lock"));
    }

    public void write(String id, Map<String, Object> state) throws IOException {
        AtomicFiles.write(dir(id).resolve(STATE), Json.compact(state).getBytes(StandardCharsets.UTF_8));
    }

    /** The saved state, or null when there is no such container (or it is still being created). */
    public Map<String, Object> read(String id) throws IOException {
        if (!validId(id)) {
            return null;
        }
        try {
            return Json.parseObject(Files.readString(dir(id).resolve(STATE)));
        } catch (NoSuchFileException e) {
            return null;
        } catch (JsonException e) {
            throw new IOException("the state of container " + id + " is damaged: " + e.getMessage(), e);
        }
    }

    public List<String> ids() throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (Files.exists(p.resolve(STATE))) {
                    out.add(p.getFileName().toString());
                }
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * Removes the container's directory; a missing one is fine. state.json goes first: from
     * then on the container is gone for every reader, and a crash leaves a directory that
     * {@link #abandoned} finds.
     */
    public void delete(String id) throws IOException {
        deleteDir(dir(id));
    }

    static void deleteDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.deleteIfExists(dir.resolve(STATE));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    /** runc's rule: letters, digits, and {@code _ + - .}, not {@code .} or {@code ..}. */
    public static boolean validId(String id) {
        if (id.isEmpty() || id.equals(".") || id.equals("..") || id.length() > 1024) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '_' || c == '+' || c == '-' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
