package dev.berth.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * What a container changed in its image's files: the lines of {@code berth diff} and the layer
 * {@code berth commit} adds. Of an overlay container ({@link #overlay}) only the upper
 * directory is read; of a copy ({@link #copy}, the fallback without overlayfs) the whole tree
 * is compared with the image's.
 */
public interface ContainerDiff {
    /** The changes, parents before children, names in byte order. */
    List<Change> changes() throws IOException;

    /** Writes the changes as a layer (an uncompressed tar); false when it has no entry. */
    boolean writeLayer(OutputStream out) throws IOException;

    /**
     * An overlayfs container: {@code upper} over {@code lowers} (lowest first, as
     * {@link Snapshots.Use#dirs()} and {@code GraphDriver.Data.LowerDir} reversed give them);
     * {@code userXattr} when it was mounted in a user namespace.
     */
    static ContainerDiff overlay(Path upper, boolean userXattr, List<Path> lowers, OwnerMap owners) {
        return new UpperDiff(upper, userXattr, lowers, owners);
    }

    /** A copy of the image's flattened tree ({@code image}), changed by the container into {@code tree}. */
    static ContainerDiff copy(Path tree, Path image, OwnerMap owners) {
        return new CopyDiff(tree, image, owners);
    }
}
