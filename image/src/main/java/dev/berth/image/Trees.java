package dev.berth.image;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Deleting trees that images and containers wrote. */
public final class Trees {
    private Trees() {}

    /**
     * Deletes {@code p} and everything below it without following symlinks. A directory its
     * owner may not write or enter (an image's {@code dr-xr-xr-x}, overlayfs' {@code work/work}
     * at mode 0) is made {@code rwx} first: root needs no such thing, a rootless user does.
     */
    public static void delete(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try {
                deleteChildren(p);
            } catch (AccessDeniedException e) {
                // following links is right here: p was just seen to be a directory, not a link
                // (the JDK's NOFOLLOW chmod opens the file, which a mode-0 directory refuses)
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
                deleteChildren(p);
            } catch (NoSuchFileException e) {
                return;
            }
        }
        Files.deleteIfExists(p);
    }

    private static void deleteChildren(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path child : ds) {
                delete(child);
            }
        }
    }
}
