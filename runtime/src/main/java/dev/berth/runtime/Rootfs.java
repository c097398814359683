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
}
