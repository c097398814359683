package dev.berth.engine;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The state directory shared by every berth process:
 *
 * <pre>
 * ROOT/containers/ID/state.json   the container, in the shape of docker inspect
 * ROOT/containers/ID/exit         raw wait status and time, written by the monitor
 * ROOT/containers/ID/ctl.sock     the monitor's control socket
 * ROOT/names/NAME -> ID           a symlink: creating it is the atomic claim of the name
 * </pre>
 *
 * Directories are 0711 so that root of a user namespace (an unprivileged uid outside) can reach
 * the mount points inside them without being able to list them.
 */
final class Store {
    private final Path root;
    private final Path containers;
    private final Path names;

    Store(Path root) throws IOException {
        this.root = root;
        this.containers = root.resolve("containers");
        this.names = root.resolve("names");
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

    Path create(String id) throws IOException {
        Path d = dir(id);
        Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        return d;
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
                out.add(p.getFileName().toString());
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
        Path d = dir(id);
        Files.deleteIfExists(d.resolve("state.json"));
        // Trees: an overlay's upper directory holds what the container wrote, modes and all
        dev.berth.image.Trees.delete(d);
    }
}
