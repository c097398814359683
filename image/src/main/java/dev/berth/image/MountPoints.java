package dev.berth.image;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What berth itself leaves in a container's root when the image lacks it: the mount points of
 * {@code /proc}, {@code /sys} and {@code /dev} (empty directories) and of the {@code /etc}
 * files it binds (empty files, and {@code /etc} itself when the image has none). docker keeps these in an "init" layer under the container's
 * own, so they are in no {@code diff} and no {@code commit}; berth leaves them out of both by
 * rule. {@code export} keeps them, as docker's does.
 */
final class MountPoints {
    private MountPoints() {}

    /** Whether {@code rel} is such a mount point: absent from the image, and still empty. */
    static boolean hidden(String rel, Path p, FileStat st, boolean inImage) throws IOException {
        if (inImage) {
            return false;
        }
        switch (rel) {
            case "etc/hosts", "etc/hostname", "etc/resolv.conf" -> {
                return st.isRegular() && st.size() == 0;
            }
            case "etc" -> { // made for the files above, in an image without /etc
                if (!st.isDirectory()) {
                    return false;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                    for (Path c : ds) {
                        FileStat cs = FileStat.of(c);
                        if (cs != null && !hidden("etc/" + c.getFileName(), c, cs, false)) {
                            return false;
                        }
                    }
                }
                return true;
            }
            case "proc", "sys", "dev" -> {
                if (!st.isDirectory()) {
                    return false;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                    return !ds.iterator().hasNext();
                }
            }
            default -> {
                return false;
            }
        }
    }

    /** Whether a directory at {@code rel} can hold such mount points (only then is it worth asking). */
    static boolean parent(String rel) {
        return rel.isEmpty() || rel.equals("etc");
    }
}
