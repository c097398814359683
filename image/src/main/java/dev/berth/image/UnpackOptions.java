package dev.berth.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * How a layer is unpacked. The defaults fit root unpacking a flat rootfs: whiteouts applied,
 * owners and device nodes kept, setuid bits kept, 8 GiB and 1,000,000 entries at most, a
 * compression ratio of at most 200:1 beyond the first 64 MiB.
 */
public final class UnpackOptions {
    /** What a whiteout becomes. */
    public enum Whiteouts {
        /** Applied: the named file (or, for an opaque directory, the lower content) is deleted. */
        FLAT,
        /** Kept as overlayfs reads them: a 0/0 character device, an opaque xattr on the directory. */
        OVERLAY
    }

    /** What a block or character device entry becomes. */
    public enum Devices { CREATE, SKIP, REFUSE }

    Whiteouts whiteouts = Whiteouts.FLAT;
    String opaqueXattr = "trusted.overlay.opaque";
    boolean chown = isRoot();
    int uidShift;
    int gidShift;
    boolean stripSetuid;
    Devices devices = isRoot() ? Devices.CREATE : Devices.SKIP;
    long maxCompressed = 8L << 30;
    long maxUncompressed = 8L << 30;
    long maxEntries = 1_000_000;
    long ratioFreeBytes = 64L << 20;
    int maxRatio = 200;
    Consumer<String> warnings = w -> { };

    public UnpackOptions whiteouts(Whiteouts w) {
        this.whiteouts = w;
        return this;
    }

    /** {@code trusted.overlay.opaque} (the default) or {@code user.overlay.opaque} for rootless overlay (userxattr). */
    public UnpackOptions opaqueXattr(String name) {
        this.opaqueXattr = name;
        return this;
    }

    /** Whether owners are set (default: when running as root; otherwise files are the caller's). */
    public UnpackOptions chown(boolean on) {
        this.chown = on;
        return this;
    }

    /** Adds {@code uid} and {@code gid} to every owner: the host ids of a user namespace's 0. */
    public UnpackOptions idShift(int uid, int gid) {
        this.uidShift = uid;
        this.gidShift = gid;
        return this;
    }

    /** Clears setuid and setgid bits (for a rootfs used with user namespaces or untrusted images). */
    public UnpackOptions stripSetuid(boolean on) {
        this.stripSetuid = on;
        return this;
    }

    public UnpackOptions devices(Devices d) {
        this.devices = d;
        return this;
    }

    /** Limits: compressed bytes, uncompressed bytes, entries. */
    public UnpackOptions limits(long compressed, long uncompressed, long entries) {
        this.maxCompressed = compressed;
        this.maxUncompressed = uncompressed;
        this.maxEntries = entries;
        return this;
    }

    /** Refuse more than {@code ratio} uncompressed bytes per compressed byte once past {@code freeBytes}. */
    public UnpackOptions maxRatio(int ratio, long freeBytes) {
        this.maxRatio = ratio;
        this.ratioFreeBytes = freeBytes;
        return this;
    }

    /** Where warnings go (skipped devices, xattrs the file system refused). */
    public UnpackOptions warnings(Consumer<String> sink) {
        this.warnings = sink;
        return this;
    }

    static boolean isRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
