package dev.berth.runtime;

import java.nio.file.Path;

/** Where a container's root filesystem comes from. */
public sealed interface Rootfs {
    /**
     * The built-in {@code host} image: the host's {@code /usr}, {@code /bin}, {@code /sbin} and
     * {@code /lib*} read-only on a fresh tmpfs, and a private, writable {@code /etc} over the
     * host's (as bubblewrap builds a sandbox): nothing to download.
     */
    record Host(boolean readOnly) implements Rootfs {
        public Host() {
            this(false);
        }
    }

    /** An unpacked root filesystem in a directory, used in place (like {@code runc}'s bundle). */
    record Directory(Path path, boolean readOnly) implements Rootfs {}

    /**
     * An image's layers as overlayfs lower directories ({@code lowers}, lowest first) under a
     * private {@code upper} and {@code work}, mounted at {@code merged} inside the container's
     * mount namespace (never in the host's: nothing can leak). {@code userXattr} for a mount
     * made inside a user namespace, where only {@code user.overlay.*} xattrs are readable.
     */
    record Overlay(java.util.List<Path> lowers, Path upper, Path work, Path merged, boolean userXattr,
        boolean readOnly) implements Rootfs {
        public Overlay {
            lowers = java.util.List.copyOf(lowers);
        }

        /** The mount's data: {@code lowerdir=TOP:...:BOTTOM,upperdir=...,workdir=...}. */
        public String options() {
            StringBuilder sb = new StringBuilder("lowerdir=");
            for (int i = lowers.size() - 1; i >= 0; i--) {
                sb.append(lowers.get(i));
                if (i > 0) {
                    sb.append(':');
                }
            }
            sb.append(",upperdir=").append(upper).append(",workdir=").append(work);
            if (userXattr) {
                sb.append(",userxattr");
            }
            return sb.toString();
        }
    }
}
