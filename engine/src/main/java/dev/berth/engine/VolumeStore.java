package dev.berth.engine;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Named volumes on disk, as docker's local driver keeps them:
 *
 * <pre>
 * ROOT/volumes/.lock              held for every change of a volume or of who uses it
 * ROOT/volumes/NAME/volume.json   Name, Driver, Labels, Options, CreatedAt (temp + fsync + rename)
 * ROOT/volumes/NAME/_data         the files (or where a tmpfs or device volume is mounted)
 * ROOT/volumes/NAME/container     an anonymous volume's container, while that container holds
 *                                 it: one whose container is gone was left by a crash
 *                                 ({@link Recovery}); a container removed without -v lets go
 *                                 of it (the file goes), and docker keeps it
 * </pre>
 *
 * A volume is made under {@code .NAME} and renamed into place with its metadata inside, so a
 * directory named like a volume always has its volume.json; a crash leaves at most a dot
 * directory, which nothing lists. Directories are 0711 like the containers': the remapped root
 * of a user namespace must reach {@code _data}.
 */
final class VolumeStore {
    static final String META = "volume.json";
    static final String DATA = "_data";
    static final String OWNER = "container";

    private final Path dir;

    VolumeStore(Path root) throws IOException {
        this.dir = root.resolve("volumes");
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        }
    }

    Path dir() {
        return dir;
    }

    Path data(String name) {
        return dir.resolve(name).resolve(DATA);
    }

    AtomicFiles.Lock lock() throws IOException {
        return AtomicFiles.lock(dir.resolve(".lock"));
    }

    /** The metadata of {@code name}, or null when there is no such volume. */
    Map<String, Object> read(String name) throws IOException {
        if (!valid(name)) {
            return null;
        }
        try {
            return Json.parseObject(Files.readString(dir.resolve(name).resolve(META)));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Makes the volume with {@code meta} (the caller holds the lock and checked the name is
     * free); {@code owner}, when not null, is the container whose anonymous volume it is.
     */
    void create(String name, Map<String, Object> meta, String owner) throws IOException {
        Path tmp = dir.resolve("." + name);
        Store.delete(tmp); // a crash's leftover of the same name
        Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        try {
            Files.createDirectory(tmp.resolve(DATA), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
            AtomicFiles.write(tmp.resolve(META), Json.compact(meta).getBytes(StandardCharsets.UTF_8));
            if (owner != null) {
                Files.writeString(tmp.resolve(OWNER), owner);
            }
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.syncDirectory(dir);
        } catch (IOException | RuntimeException e) {
            Store.delete(tmp);
            throw e;
        }
    }

    /** The container holding the anonymous volume {@code name}, or null (a named volume, or let go of). */
    String owner(String name) {
        try {
            return Files.readString(dir.resolve(name).resolve(OWNER)).strip();
        } catch (IOException e) {
            return null;
        }
    }

    /** Container {@code id} no longer holds the volume: docker keeps it when rm has no -v. */
    void disown(String name, String id) throws IOException {
        if (id.equals(owner(name))) {
            Files.deleteIfExists(dir.resolve(name).resolve(OWNER));
        }
    }

    /** Directories of volumes whose creation or deletion died half-way ({@code .NAME}); the caller holds the lock. */
    List<Path> temporaries() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".*")) {
            for (Path p : ds) {
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** Deletes the volume: its metadata first, so that readers stop seeing it, then its files. */
    void delete(String name) throws IOException {
        Path d = dir.resolve(name);
        Path tmp = dir.resolve("." + name);
        Files.deleteIfExists(d.resolve(META));
        Files.move(d, tmp, StandardCopyOption.ATOMIC_MOVE);
        dev.berth.image.Trees.delete(tmp);
    }

    /** Every volume's name, sorted. */
    List<String> names() throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.startsWith(".") && Files.exists(p.resolve(META))) {
                    out.add(n);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** Bytes of the files under the volume's data (du's apparent size; links counted once each). */
    long size(String name) {
        long[] total = {0};
        try (var walk = Files.walk(data(name))) {
            walk.forEach(p -> {
                try {
                    if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        total[0] += Files.size(p);
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            return total[0];
        }
        return total[0];
    }

    /** docker's local volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+, checked without a regex. */
    static boolean valid(String name) {
        if (name == null || name.length() < 2 || name.length() > 255) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) {
                return false;
            }
        }
        return true;
    }

    /** Whether something is mounted at {@code p} in this process's mount namespace. */
    static boolean mounted(Path p) {
        String target = p.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ", 6);
                if (f.length > 4 && dev.berth.linux.Mountinfo.unescape(f[4]).equals(target)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
