package dev.berth.image;

import java.io.IOException;
import java.io.OutputStream;

/**
 * docker's {@code export}: a container's whole file tree as one tar, read from its layers and
 * its upper directory as overlayfs merges them ({@link LayerStack}), or from its copy. Nothing
 * is mounted, so a stopped container exports like a running one, and no file system mounted
 * inside the container ({@code /proc}, {@code /sys}, {@code /dev}, volumes) is in it: only the
 * mount points, as in docker's.
 */
public final class TreeExport {
    private TreeExport() {}

    /** Writes the merged tree of {@code stack} as a tar to {@code out} (not closed). */
    public static void write(LayerStack stack, OwnerMap owners, OutputStream out) throws IOException {
        TarWriter tar = new TarWriter(out);
        TreeTar t = new TreeTar(tar, owners);
        LayerStack.Node root = stack.root();
        if (root.path() != null) {
            walk(stack, t, root);
        }
        tar.finish();
    }

    private static void walk(LayerStack stack, TreeTar t, LayerStack.Node dir) throws IOException {
        for (LayerStack.Node n : stack.children(dir)) {
            t.add(n.rel(), n.path(), n.stat());
            if (n.stat().isDirectory()) {
                walk(stack, t, n);
            }
        }
    }
}
