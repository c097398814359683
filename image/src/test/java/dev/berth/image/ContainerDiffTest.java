package dev.berth.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The changes of a container's files (overlay upper directory over layers, or a copy against the
 * image's tree), the layer made of them, and the merged tree an export reads, on directories
 * built by hand: whiteouts, opaque directories, berth's mount points, hard links.
 */
class ContainerDiffTest {
    @TempDir
    Path dir;

    private static List<String> lines(ContainerDiff d) throws IOException {
        List<String> out = new ArrayList<>();
        for (Change c : d.changes()) {
            out.add(c.line());
        }
        return out;
    }

    /** "NAME TYPE" of each entry of a tar, in order. */
    private static List<String> entries(byte[] tar) throws IOException {
        List<String> out = new ArrayList<>();
        TarReader r = new TarReader(new ByteArrayInputStream(tar));
        for (TarEntry e = r.next(); e != null; e = r.next()) {
            out.add(e.name + " " + e.type + (e.linkName.isEmpty() ? "" : " " + e.linkName));
        }
        return out;
    }

    private static void write(Path p, String s) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, s);
    }

    @Test
    void aCopyIsComparedWithTheImageNameByName() throws Exception {
        Path image = dir.resolve("image");
        write(image.resolve("bin/sh"), "shell");
        write(image.resolve("bin/ls"), "ls");
        write(image.resolve("etc/passwd"), "root");
        write(image.resolve("var/lib/x"), "x");
        write(image.resolve("kind"), "file");
        Files.createDirectories(image.resolve("proc"));
        Path tree = dir.resolve("tree");
        assertEquals(0, new ProcessBuilder("cp", "-a", image.toString(), tree.toString()).start().waitFor());
        ContainerDiff same = ContainerDiff.copy(tree, image, OwnerMap.IDENTITY);
        assertEquals(List.of(), lines(same));
        ByteArrayOutputStream empty = new ByteArrayOutputStream();
        assertFalse(same.writeLayer(empty), "no change, no entry");
        assertEquals(1024, empty.size(), "an empty tar");

        Files.delete(tree.resolve("bin/ls"));
        Files.writeString(tree.resolve("etc/passwd"), "root+user"); // another size
        Files.writeString(tree.resolve("new"), "n");
        Files.createLink(tree.resolve("new2"), tree.resolve("new"));
        Files.delete(tree.resolve("kind"));
        Files.createDirectories(tree.resolve("kind/sub")); // a file became a directory
        Trees.delete(tree.resolve("var/lib"));
        // berth's mount points, where the image lacks them: no change, nor the mtime they moved
        write(tree.resolve("etc/hosts"), "");
        Files.setLastModifiedTime(tree.resolve("etc"), FileTime.fromMillis(0));
        ContainerDiff d = ContainerDiff.copy(tree, image, OwnerMap.IDENTITY);
        assertEquals(List.of("C /bin", "D /bin/ls", "C /etc/passwd", "C /kind", "A /kind/sub", "A /new", "A /new2",
            "C /var", "D /var/lib"), lines(d));
        ByteArrayOutputStream layer = new ByteArrayOutputStream();
        assertEquals(true, d.writeLayer(layer));
        assertEquals(List.of("bin/ 5", "bin/.wh.ls 0", "etc/passwd 0", ".wh.kind 0", "kind/ 5", "kind/sub/ 5", "new 0",
            "new2 1 new", "var/ 5", "var/.wh.lib 0"), entries(layer.toByteArray()));
    }

    @Test
    void anUpperDirectoryOverLayersGivesDockersLinesAndLayer() throws Exception {
        assumeTrue(UnpackOptions.isRoot(), "whiteouts (0/0 devices) and trusted.overlay.* need root");
        Path low = dir.resolve("l1/fs");
        write(low.resolve("bin/sh"), "shell");
        write(low.resolve("bin/vi"), "vi");
        write(low.resolve("home/user/.profile"), "p");
        write(low.resolve("home/other"), "o");
        write(low.resolve("etc/passwd"), "root");
        Path upper = dir.resolve("upper");
        Files.createDirectories(upper.resolve("bin"));
        dev.berth.linux.FileNodes.mknod(upper.resolve("bin/vi"), dev.berth.linux.FileNodes.S_IFCHR, 0);
        Files.createDirectories(upper.resolve("home/new"));
        dev.berth.linux.FileNodes.setXattr(upper.resolve("home"), "trusted.overlay.opaque", new byte[] {'y'});
        write(upper.resolve("added"), "a");
        write(upper.resolve("etc/hostname"), ""); // a mount point: no change
        Files.setLastModifiedTime(upper.resolve("etc"), Files.getLastModifiedTime(low.resolve("etc")));
        dev.berth.linux.FileNodes.mknod(upper.resolve("gone"), dev.berth.linux.FileNodes.S_IFCHR, 0); // nothing below
        ContainerDiff d = ContainerDiff.overlay(upper, false, List.of(low), OwnerMap.IDENTITY);
        assertEquals(List.of("A /added", "C /bin", "D /bin/vi", "C /home", "A /home/new", "D /home/other",
            "D /home/user"), lines(d));
        ByteArrayOutputStream layer = new ByteArrayOutputStream();
        d.writeLayer(layer);
        assertEquals(List.of("added 0", "bin/ 5", "bin/.wh.vi 0", ".wh.gone 0", "home/ 5", "home/.wh..wh..opq 0",
            "home/new/ 5"), entries(layer.toByteArray()), "etc/ only held a mount point: left out");

        // the merged tree an export reads: the upper over the layer, whiteouts and the opaque /home applied
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        TreeExport.write(new LayerStack(List.of(LayerStack.Layer.upper(upper, false), LayerStack.Layer.snapshot(low))),
            OwnerMap.IDENTITY, tar);
        assertEquals(List.of("added 0", "bin/ 5", "bin/sh 0", "etc/ 5", "etc/hostname 0", "etc/passwd 0", "home/ 5",
            "home/new/ 5"), entries(tar.toByteArray()));

        // overlayfs' redirect_dir leaves a renamed directory's contents below: refused, not committed wrong
        dev.berth.linux.FileNodes.setXattr(upper.resolve("home/new"), "trusted.overlay.redirect", "/x".getBytes());
        assertThrows(ImageException.Refused.class, () -> d.writeLayer(new ByteArrayOutputStream()));
    }

    @Test
    void ownersGoBackThroughTheUserNamespacesMap() {
        OwnerMap m = OwnerMap.parse("0 100000 65536", "0 100000 65536");
        assertEquals(0, m.uid(100000));
        assertEquals(1000, m.gid(101000));
        assertEquals(65534, m.uid(0), "the host's root is nobody inside");
        assertEquals(5, OwnerMap.IDENTITY.uid(5));
    }
}
