package dev.berth.net;

import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The store's files that describe containers as they run (addresses {@code .ipam/}, host ports
 * {@code .ports.json}, names {@code .peers/}) hold for one boot of the machine: a reboot ends
 * every container and the firewall with them. So they are written atomically (temp + rename,
 * which a killed berth cannot tear: the page cache outlives the process) but without fsync,
 * and {@code DIR/.boot-id}, written durably once per boot before any of them, says which boot
 * they belong to. A store whose marker names another boot is from before a reboot (or a power
 * loss, which may have left any of its files torn): its per-boot files are dropped unread.
 *
 * <p>podman keeps the same state in tmpfs ({@code /run/containers/networks}); berth keeps it
 * under its root so that a private {@code --root} (tests, rootless users) needs no run
 * directory of its own.
 */
final class PerBoot {
    static final String MARKER = ".boot-id";

    private final Path dir;
    private final Path source;
    private volatile boolean checked;
    private volatile boolean durable;

    /** {@code source}: the boot id, {@code /proc/sys/kernel/random/boot_id} unless a test fakes it. */
    PerBoot(Path dir, Path source) {
        this.dir = dir;
        this.source = source;
    }

    /**
     * Whether the per-boot files must be fsync'd: only when the boot id cannot be read, so that
     * a reboot could not be told and the files must outlive it as before.
     */
    boolean durable() {
        return durable;
    }

    /** Whether the files are known to be this boot's, without the lock (the marker and the id match). */
    boolean current() {
        if (checked) {
            return true;
        }
        String id = bootId();
        if (id != null && id.equals(read(dir.resolve(MARKER)))) {
            checked = true;
        }
        return checked;
    }

    /** Under the store's lock: drops the files of an earlier boot and marks the store as this boot's. */
    void check() throws NetException {
        if (checked) {
            return;
        }
        String id = bootId();
        if (id == null) {
            durable = true; // no reboot can be told: keep everything, and keep it durably
            checked = true;
            return;
        }
        Path marker = dir.resolve(MARKER);
        String had = read(marker);
        if (!id.equals(had)) {
            if (had != null) {
                drop();
            } // no marker: a store from before boot ids, whose containers may still run; adopted
            try {
                // durable, and before any file of this boot: a marker lost to a power loss
                // would let a later boot adopt files that power loss tore
                AtomicFiles.write(marker, (id + "\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new NetException.SystemFailure("cannot write " + marker + ": " + e.getMessage()
                    + "; check that the disk is not full and the state directory is writable", e);
            }
        }
        checked = true;
    }

    /** The files of an earlier boot: every container they name is gone, with its firewall elements. */
    private void drop() throws NetException {
        for (String sub : new String[] {".ipam", ".peers"}) {
            Path d = dir.resolve(sub);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
                for (Path p : ds) {
                    StateFiles.delete(p);
                }
            } catch (IOException e) {
                throw new NetException.SystemFailure("cannot read " + d + ": " + e.getMessage(), e);
            }
        }
        StateFiles.delete(dir.resolve(".ports.json"));
    }

    private String bootId() {
        String id = read(source);
        return id == null || id.isEmpty() ? null : id;
    }

    /** The first line of {@code f}, stripped; null when it cannot be read. */
    private static String read(Path f) {
        try {
            String s = Files.readString(f, StandardCharsets.US_ASCII);
            int nl = s.indexOf('\n');
            return (nl >= 0 ? s.substring(0, nl) : s).strip();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }
}
