package dev.berth.runtime.oci;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
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
 * The containers of one {@code berth-runtime --root}: a directory per id holding
 * {@code state.json} (replaced atomically) and, from create until start, {@code exec.fifo}.
 * Creating the directory is the claim of the id, so two creates of one id cannot both win.
 */
public final class BundleStore {
    public static final String STATE = "state.json";
    public static final String EXEC_FIFO = "exec.fifo";
    public static final String CONFIG = "config.json";

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

    /** Claims {@code id}; false if a container of that id exists. */
    public boolean claim(String id) throws IOException {
        Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        try {
            Files.createDirectory(dir(id), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
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

    /** Removes the container's directory; a missing one is fine. */
    public void delete(String id) throws IOException {
        Path dir = dir(id);
        if (!Files.isDirectory(dir)) {
            return;
        }
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
