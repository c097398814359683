package dev.berth.image;

import dev.berth.runtime.state.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What a layer holds once unpacked, as docker's classic store measures a layer's diff
 * ({@code directory.Size} over the layer's directory): the bytes of its regular files and
 * symlinks (a symlink's size is its target's length), a hard link counted once, directories,
 * devices, FIFOs and whiteouts nothing. docker 28's {@code images}, {@code image inspect} and
 * {@code system df} add these up per image; so does berth. Counting needs one pass over the
 * uncompressed tar, made when a layer is unpacked, or on the first question otherwise; each
 * result is kept in {@code ROOT/images/sizes/HEX} under the digest of the layer's blob, so the
 * collector removes it with the blob ({@link #prune}).
 */
public final class LayerSizes {
    private LayerSizes() {}

    /** The unpacked size of {@code layer}, counted once and then kept; -1 when its blob cannot be read. */
    public static long of(ImageStore store, Descriptor layer) {
        long known = known(store, layer.digest());
        if (known >= 0) {
            return known;
        }
        long size;
        try (Lease l = store.lease(); InputStream in = Compression.open(new BufferedInputStream(store.blobs().open(layer.digest()), 64 * 1024))) {
            size = count(new TarReader(in));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        record(store, layer.digest(), size);
        return size;
    }

    /** The kept size of the layer blob {@code blob}, or -1 when it was not counted yet. */
    public static long known(ImageStore store, Digest blob) {
        try {
            return Long.parseLong(Files.readString(file(store, blob)).strip());
        } catch (IOException | NumberFormatException e) {
            return -1; // missing, or damaged: counted again
        }
    }

    /** Keeps {@code size} for the layer blob {@code blob} (the unpacker counted it on its way). */
    public static void record(ImageStore store, Digest blob, long size) {
        Path cache = file(store, blob);
        try {
            Files.createDirectories(cache.getParent());
            AtomicFiles.write(cache, Long.toString(size).getBytes(StandardCharsets.UTF_8), false);
        } catch (IOException e) {
            // only a cache: counted again next time
        }
    }

    /** Removes every entry whose blob is no longer in the store (the collector's, under its lock); returns how many. */
    public static int prune(ImageStore store) throws IOException {
        Path dir = store.dir().resolve("sizes");
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                boolean live = name.length() == 64 && Digest.isLowerHex(name) && store.blobs().has(Digest.sha256(name));
                if (!live && Files.deleteIfExists(p)) {
                    n++;
                }
            }
        } catch (NoSuchFileException e) {
            return 0;
        }
        return n;
    }

    private static Path file(ImageStore store, Digest blob) {
        return store.dir().resolve("sizes").resolve(blob.hex());
    }

    static long count(TarReader tar) throws IOException {
        long total = 0;
        for (TarEntry e = tar.next(); e != null; e = tar.next()) {
            total += sizeOf(e);
        }
        return total;
    }

    /** What one entry adds: a regular file its bytes, a symlink its target's length, anything else nothing. */
    static long sizeOf(TarEntry e) {
        if (e.type == TarEntry.FILE) {
            return e.size;
        }
        if (e.type == TarEntry.SYMLINK) {
            return e.linkName.getBytes(StandardCharsets.UTF_8).length;
        }
        return 0;
    }
}
