package dev.berth.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.image.Image;
import dev.berth.image.ImageLoader;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageStore;
import dev.berth.image.Platform;
import dev.berth.image.UnpackOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A busybox image built offline from Debian's busybox-static by umoci (a real peer: its own tar
 * writer and OCI layout), loaded by berth as a layout directory, as a tar of one, and as a
 * {@code docker save} archive written by skopeo; unpacked by berth and compared, file by file
 * (type, mode, owner, size, link target), with the source tree and with {@code umoci unpack}.
 */
class BusyboxImageTest {
    @TempDir
    Path tmp;

    @Test
    void umociBuiltImageLoadsAndUnpacksLikeUmociUnpacks() throws Exception {
        assumeTrue(isRoot(), "umoci unpack keeps owners only as root: run the tests as root (bin/test)");
        for (String tool : new String[] {"/usr/bin/umoci", "/usr/bin/skopeo", "/bin/busybox"}) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new IllegalStateException(tool + " is missing: install umoci, skopeo and busybox-static (bin/test does)");
            }
        }
        Path src = busyboxTree(tmp.resolve("src"));
        Path layout = tmp.resolve("layout");
        run("umoci", "init", "--layout", layout.toString());
        run("umoci", "new", "--image", layout + ":latest");
        Path bundle = tmp.resolve("bundle");
        run("umoci", "unpack", "--image", layout + ":latest", bundle.toString());
        run("cp", "-a", src + "/.", bundle.resolve("rootfs").toString());
        run("umoci", "repack", "--image", layout + ":latest", bundle.toString());
        Path oracle = tmp.resolve("oracle");
        run("umoci", "unpack", "--image", layout + ":latest", oracle.toString());

        ImageStore store = ImageStore.open(tmp.resolve("store"));
        List<ImageLoader.Loaded> loaded = new ImageLoader(store).loadLayout(layout, "busybox");
        assertEquals(1, loaded.size());
        ImageRef ref = ImageRef.parse("busybox");
        assertEquals(List.of(ref), loaded.get(0).tags());
        Image img = store.image(ref, Platform.current());
        Path mine = Files.createDirectory(tmp.resolve("mine"));
        store.unpack(img, mine, new UnpackOptions());

        Map<String, String> expected = tree(oracle.resolve("rootfs"));
        assertEquals(expected, tree(mine));
        Map<String, String> source = tree(src);
        assertEquals(source, tree(mine), "berth's unpack differs from the tree the image was built from");
        assertEquals("l 777 0:0 -> busybox", expected.get("bin/sh"));
        assertEquals("d 755 1000:1000", expected.get("home/user"));
        assertEquals("d 1777 0:0", expected.get("tmp"));
        assertEquals("d 2775 0:8", expected.get("var/spool/mail"));
        assertEquals("l 777 0:0 -> /proc/mounts", expected.get("etc/mtab"));
        assertEquals(Files.getAttribute(mine.resolve("bin/busybox"), "unix:ino"),
            Files.getAttribute(mine.resolve("bin/busybox.hard"), "unix:ino"), "hard links stay hard links");

        // the same layout as a tar
        Path tar = tmp.resolve("layout.tar");
        run("tar", "-C", layout.toString(), "-cf", tar.toString(), ".");
        ImageStore store2 = ImageStore.open(tmp.resolve("store2"));
        try (InputStream in = Files.newInputStream(tar)) {
            new ImageLoader(store2).loadArchive(in, "example.com/bb");
        }
        Path fromTar = Files.createDirectory(tmp.resolve("fromtar"));
        store2.unpack(store2.image(ImageRef.parse("example.com/bb:latest"), Platform.current()), fromTar, new UnpackOptions());
        assertEquals(expected, tree(fromTar));

        // a docker save archive, written by skopeo
        Path save = tmp.resolve("save.tar");
        run("skopeo", "copy", "--quiet", "oci:" + layout + ":latest", "docker-archive:" + save + ":busybox:1.0");
        ImageStore store3 = ImageStore.open(tmp.resolve("store3"));
        try (InputStream in = Files.newInputStream(save)) {
            List<ImageLoader.Loaded> l = new ImageLoader(store3).loadArchive(in, null);
            assertEquals(List.of(ImageRef.parse("busybox:1.0")), l.get(0).tags());
        }
        Image saved = store3.image(ImageRef.parse("busybox:1.0"), Platform.current());
        assertEquals(img.id(), saved.id(), "the same config, so the same image id");
        Path fromSave = Files.createDirectory(tmp.resolve("fromsave"));
        store3.unpack(saved, fromSave, new UnpackOptions());
        assertEquals(expected, tree(fromSave));
    }

    /** Every path under root: type, permission bits, owner, size of files, target of links. */
    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                String type = Files.isSymbolicLink(p) ? "l" : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "d" : "f";
                String v = type + " " + Integer.toOctalString(mode & 07777) + " " + a.get("uid") + ":" + a.get("gid");
                if (type.equals("f")) {
                    v += " " + a.get("size");
                } else if (type.equals("l")) {
                    v += " -> " + Files.readSymbolicLink(p);
                }
                out.put(root.relativize(p).toString(), v);
            }
        }
        return out;
    }

    /** Debian's busybox-static with its applets as symlinks, some owners and modes that must survive. */
    static Path busyboxTree(Path root) throws IOException, InterruptedException {
        for (String d : new String[] {"bin", "etc", "tmp", "root", "home/user", "var/spool/mail"}) {
            Files.createDirectories(root.resolve(d));
        }
        Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        Process p = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String applet : new String(p.getInputStream().readAllBytes()).split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox")) {
                Files.createSymbolicLink(root.resolve("bin").resolve(applet.strip()), Path.of("busybox"));
            }
        }
        p.waitFor();
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n");
        Files.setAttribute(root.resolve("home/user"), "unix:uid", 1000);
        Files.setAttribute(root.resolve("home/user"), "unix:gid", 1000);
        Files.setAttribute(root.resolve("tmp"), "unix:mode", 01777);
        Files.setAttribute(root.resolve("var/spool/mail"), "unix:mode", 02775);
        Files.setAttribute(root.resolve("var/spool/mail"), "unix:gid", 8);
        Files.createSymbolicLink(root.resolve("etc/mtab"), Path.of("/proc/mounts"));
        Files.createLink(root.resolve("bin/busybox.hard"), root.resolve("bin/busybox"));
        return root;
    }

    static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    static boolean isRoot() throws IOException {
        return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    }
}
