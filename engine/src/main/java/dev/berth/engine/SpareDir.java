package dev.berth.engine;

import dev.berth.linux.Procs;
import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A container directory made ahead of time in a long-lived JVM, as {@code SpareStage} is a
 * stage: {@code ROOT/spare/PID-N}, 0711, with its {@code creator} and the empty files a run
 * writes before its command starts (the /etc files, the monitor's log, the state's temporary
 * file). {@link Store#create} writes the creator's line and renames it into place. Writing an
 * existing empty file costs ~25 µs, making one ~250 µs on an ext4 whose inode allocator skips the
 * inodes deleted in the last half minute, which a container removed every few milliseconds
 * fills (performance.md, "Round 2").
 *
 * <p>Outside {@code containers/}, a spare is no container to any reader or to {@link Recovery};
 * one that a dead JVM left is deleted by the next JVM that makes one.
 */
final class SpareDir {
    /** The empty files a spare holds: what {@code Engine.create} and the stage write next. */
    static final List<String> FILES = List.of("hostname", "hosts", "resolv.conf");

    private final Path dir; // ROOT/spare
    private Path ready; // guarded by this
    private boolean making; // guarded by this
    private int made; // guarded by this

    SpareDir(Path root) {
        this.dir = root.resolve("spare");
    }

    /** The spare, if one is ready (the caller owns it); else null. */
    Path take() {
        Path p;
        synchronized (this) {
            p = ready;
            ready = null;
        }
        return p;
    }

    /** Makes the next spare on a {@link Background} thread, unless one is ready or being made. */
    void refill() {
        int n;
        synchronized (this) {
            if (making || ready != null) {
                return;
            }
            making = true;
            n = made++;
        }
        if (Background.submit(() -> {
            make(n);
            return null;
        }) == null) {
            synchronized (this) {
                making = false; // a one-shot JVM: no spares
            }
        }
    }

    private void make(int n) {
        Path p = null;
        try {
            if (n == 0) {
                sweep();
            }
            long pid = Procs.self();
            Path d = dir.resolve(pid + "-" + n);
            Files.createDirectories(dir);
            Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            p = d;
            // whose it is, until Store.create writes the container's own line
            Files.writeString(d.resolve(Store.CREATOR), pid + " " + Store.selfStartTime() + "\n");
            for (String f : FILES) {
                Files.createFile(d.resolve(f));
            }
            // as the stage opens it (0640), and the state's temporary file as AtomicFiles makes it
            Files.createFile(d.resolve("monitor.log"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
            Files.createFile(AtomicFiles.temporary(d.resolve("state.json")));
        } catch (IOException | RuntimeException e) {
            if (p != null) {
                try {
                    Store.delete(p);
                } catch (IOException ignored) {
                    // the next JVM's sweep takes it
                }
            }
            p = null; // no spare this time: the next container makes its directory itself
        }
        synchronized (this) {
            making = false;
            ready = p;
        }
    }

    /** Deletes the spares of JVMs that are gone. */
    private void sweep() throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Store.Creator c = Store.creator(p);
                if (c == null || !c.alive()) {
                    Store.delete(p);
                }
            }
        }
    }
}
