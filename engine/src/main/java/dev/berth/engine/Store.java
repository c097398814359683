package dev.berth.engine;

import dev.berth.linux.Procs;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The state directory shared by every berth process:
 *
 * <pre>
 * ROOT/containers/ID/creator      "PID STARTTIME CGROUP" of the berth process creating it: a
 *                                 directory without state.json whose creator is gone was
 *                                 abandoned by a crash (see {@link #abandoned})
 * ROOT/containers/ID/state.json   the container, in the shape of docker inspect
 * ROOT/containers/ID/removing     the last state.json, renamed (or an empty file): the
 *                                 container is being removed, and a directory with it and
 *                                 without state.json is what a killed removal left (see
 *                                 {@link #startRemoval})
 * ROOT/containers/ID/exit         raw wait status and time, written by the monitor
 * ROOT/containers/ID/ctl.sock     the monitor's control socket
 * ROOT/names/NAME -> ID           a symlink: creating it is the atomic claim of the name
 * ROOT/spare/PID-N                a container directory made ahead of time by a long-lived
 *                                 JVM ({@link SpareDir}), renamed into containers/ by a run
 * </pre>
 *
 * Directories are 0711 so that root of a user namespace (an unprivileged uid outside) can reach
 * the mount points inside them without being able to list them.
 */
final class Store {
    private final Path root;
    private final Path containers;
    private final Path names;
    private final SpareDir spares;

    Store(Path root) throws IOException {
        // another user's root (root's /var/lib/berth, say): say so once, rather than fail later on
        // whichever of its files comes first (the kernel refuses every one of them anyway)
        if (Files.isDirectory(root) && !Files.isWritable(root)) {
            Object owner = Files.getAttribute(root, "unix:uid");
            throw new java.nio.file.AccessDeniedException(root.toString(), null, "the state root belongs to uid "
                + owner + ": run berth as that user (sudo for root's), or give a root of your own with --root");
        }
        this.root = root;
        this.containers = root.resolve("containers");
        this.names = root.resolve("names");
        this.spares = new SpareDir(root);
        for (Path d : List.of(root, containers, names)) {
            if (!Files.isDirectory(d)) {
                Files.createDirectories(d);
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx--x--x"));
            }
        }
    }

    Path root() {
        return root;
    }

    Path dir(String id) {
        return containers.resolve(id);
    }

    /**
     * The container's directory, made under a temporary name with its {@code creator} file and
     * renamed into place, so that no directory of a container is ever without one of creator
     * and state.json.
     */
    Path create(String id, String cgroup) throws IOException {
        Path d = dir(id);
        Path tmp = containers.resolve("." + id);
        Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        try {
            Files.writeString(tmp.resolve(CREATOR), Procs.self() + " " + selfStartTime() + " " + cgroup + "\n");
            Files.move(tmp, d, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            delete(tmp); // nothing half-made stays behind
            throw e;
        }
        return d;
    }

    /**
     * As {@link #create}, from a directory made ahead of time ({@link SpareDir}) when there is
     * one: a run's, which writes the files the spare holds at once (create's would hold them
     * empty until its start).
     */
    Path createForRun(String id, String cgroup) throws IOException {
        Path spare = spares.take();
        if (spare != null) {
            Path d = dir(id);
            try {
                Files.writeString(spare.resolve(CREATOR), Procs.self() + " " + selfStartTime() + " " + cgroup + "\n");
                Files.move(spare, d, StandardCopyOption.ATOMIC_MOVE);
                return d;
            } catch (IOException e) {
                try {
                    delete(spare);
                } catch (IOException ignored) {
                    // the next JVM's sweep takes it
                }
            }
        }
        return create(id, cgroup);
    }

    /**
     * Makes the next spare directory on a background thread of a long-lived JVM: called once a
     * run's command started, so that its mkdir and files do not compete with the set-up.
     */
    void refillSpare() {
        spares.refill();
    }

    /** This process's start time, for creator lines: read once. */
    static long selfStartTime() {
        long t = selfStart;
        if (t == 0) {
            t = Procs.startTime(Procs.self());
            selfStart = t;
        }
        return t;
    }

    private static volatile long selfStart;

    static final String CREATOR = "creator";

    /** What a creator file says: who is creating the container, and its cgroup. */
    record Creator(long pid, long startTime, String cgroup) {
        boolean alive() {
            return Procs.startTime(pid) == startTime;
        }
    }

    /** The creator of a container or of a directory being made ({@code .ID}); null if unreadable. */
    static Creator creator(Path dir) {
        try {
            String[] f = Files.readString(dir.resolve(CREATOR)).strip().split(" ", 3);
            return new Creator(Long.parseLong(f[0]), Long.parseLong(f[1]), f.length > 2 ? f[2] : "");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * True when the directory (a container's, or a temporary {@code .ID}) was left by a berth
     * process that died before the container had a state: a crash between the first step of
     * a run and the state's first write. A directory with neither file was made by an older
     * berth, or is being deleted, and counts too.
     */
    boolean abandoned(Path dir) {
        if (hasState(dir)) {
            return false;
        }
        if (Files.exists(dir.resolve(REMOVING))) {
            return true; // a removal that died, or one in progress: the lock keeps them apart
        }
        Creator c = creator(dir);
        return c == null ? Files.isDirectory(dir) : !c.alive();
    }

    /**
     * Whether {@code dir} holds a state.json with something in it. It is always renamed into
     * place whole, so an empty one is what a machine crash left of one written without fsync
     * (an auto-removed container's, ContainerConfig.ephemeral): a leftover, as if it were not there.
     */
    private static boolean hasState(Path dir) {
        try {
            return Files.size(dir.resolve("state.json")) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Temporary directories of creations that never got their name ({@code .ID}). */
    List<Path> temporaries() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(containers, ".*")) {
            for (Path p : ds) {
                out.add(p);
            }
        }
        return out;
    }

    /** Claims {@code name} for {@code id}; false when another container has it. */
    boolean claimName(String name, String id) throws IOException {
        try {
            Files.createSymbolicLink(names.resolve(name), Path.of(id));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }

    void releaseName(String name, String id) throws IOException {
        Path link = names.resolve(name);
        try {
            if (Files.readSymbolicLink(link).toString().equals(id)) {
                Files.delete(link);
            }
        } catch (NoSuchFileException e) {
            // already gone
        }
    }

    /** Every claimed name, by the id it points to. */
    Map<String, String> namesById() {
        Map<String, String> out = new java.util.HashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(names)) {
            for (Path p : ds) {
                try {
                    out.put(Files.readSymbolicLink(p).toString(), p.getFileName().toString());
                } catch (IOException e) {
                    // released meanwhile
                }
            }
        } catch (IOException e) {
            // no names yet
        }
        return out;
    }

    String idOfName(String name) {
        try {
            return Files.readSymbolicLink(names.resolve(name)).toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Every container directory, including ones still being created or removed (no
     * state.json): callers check what they read, so a listing costs no extra stat per entry.
     */
    List<String> ids() throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(containers)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.startsWith(".")) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    boolean exists(String id) {
        return Files.exists(dir(id).resolve("state.json"));
    }

    Map<String, Object> read(String id) throws IOException {
        try {
            return Json.parseObject(Files.readString(dir(id).resolve("state.json")));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    void write(String id, Map<String, Object> state) throws IOException {
        write(id, state, true);
    }

    /**
     * What tells one write of state.json from another: its inode, modification time and size
     * (each write renames a new file into place); null when there is none.
     */
    String stamp(String id) {
        try {
            var a = Files.readAttributes(dir(id).resolve("state.json"), java.nio.file.attribute.BasicFileAttributes.class);
            return a.fileKey() + " " + a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS) + " " + a.size();
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code durable} false: atomic for readers, but not fsync'd (see ContainerConfig.ephemeral). */
    void write(String id, Map<String, Object> state, boolean durable) throws IOException {
        AtomicFiles.write(dir(id).resolve("state.json"), Json.compact(state).getBytes(StandardCharsets.UTF_8),
            durable);
    }

    AtomicFiles.Lock lock(String id) throws IOException {
        return AtomicFiles.lock(dir(id).resolve("lock"));
    }

    /**
     * Deletes the container's directory; state.json goes first so readers stop seeing it. The
     * monitor may be removing its own files (ctl.sock) at the same moment: what vanishes under
     * us is simply gone. A mount point left inside (never on the host: the container's mounts
     * live in its own mount namespace) makes this fail rather than delete through it.
     */
    void delete(String id) throws IOException {
        delete(dir(id));
    }

    static final String REMOVING = "removing";

    /**
     * The commit point of a removal: from here the container is gone for every reader, and a
     * crash leaves a directory that {@link Recovery} finishes removing. state.json is renamed
     * to the marker, both steps in one and no new file (which a full disk could refuse, and
     * which costs more than a rename on ext4); its time is set first, since {@link Recovery}
     * leaves a young marker alone. Without a state, an empty marker is made.
     */
    void startRemoval(String id) throws IOException {
        Path state = dir(id).resolve("state.json");
        try {
            Files.setLastModifiedTime(state, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
            Files.move(state, dir(id).resolve(REMOVING), StandardCopyOption.ATOMIC_MOVE); // over an older marker
            return;
        } catch (NoSuchFileException e) {
            // no state: abandoned before it had one, or a removal before this one died after the rename
        }
        try {
            Files.createFile(dir(id).resolve(REMOVING));
        } catch (FileAlreadyExistsException e) {
            // a removal before this one died here
        }
    }

    /** The same for a directory by its path (a temporary {@code .ID} too). */
    static void delete(Path d) throws IOException {
        Files.deleteIfExists(d.resolve("state.json"));
        // Trees: an overlay's upper directory holds what the container wrote, modes and all
        dev.berth.image.Trees.delete(d);
    }
}
