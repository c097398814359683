package dev.berth.image;

import dev.berth.runtime.state.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What a layer holds once unpacked: the bytes of its regular files and symlinks, a hard link
 * counted once, as docker's graph drivers measure a layer's diff for {@code history} and
 * {@code images}. Counting needs one pass over the uncompressed tar, so each result is kept
 * in {@code ROOT/images/sizes/HEX} under the layer's diff id (its uncompressed digest).
 */
public final class LayerSizes {
    private LayerSizes() {}

    /** The unpacked size of {@code layer} ({@code diffId} names it), or -1 when its blob cannot be read. */
    public static long of(ImageStore store, Descriptor layer, Digest diffId) {
        Path cache = store.dir().resolve("sizes").resolve(diffId.hex());
        try {
            return Long.parseLong(Files.readString(cache).strip());
        } catch (NoSuchFileException e) {
            // counted below
        } catch (IOException | NumberFormatException e) {
            // a damaged entry is counted again
        }
        long size;
        try (Lease l = store.lease(); InputStream in = Compression.open(new BufferedInputStream(store.blobs().open(layer.digest()), 64 * 1024))) {
            size = count(new TarReader(in));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        try {
            Files.createDirectories(cache.getParent());
            AtomicFiles.write(cache, Long.toString(size).getBytes(StandardCharsets.UTF_8), false);
        } catch (IOException e) {
            // only a cache: counted again next time
        }
        return size;
    }

    static long count(TarReader tar) throws IOException {
        long total = 0;
        for (TarEntry e = tar.next(); e != null; e = tar.next()) {
            if (e.type == TarEntry.FILE) {
                total += e.size;
            } else if (e.type == TarEntry.SYMLINK) {
                total += e.linkName.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return total;
    }
}
