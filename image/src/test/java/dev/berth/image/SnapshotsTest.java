package dev.berth.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotsTest {
    @TempDir
    Path tmp;

    private static final Snapshots.Mapping M = Snapshots.Mapping.HOST;

    private byte[] base() throws Exception {
        return new Tars().dir("bin").file("bin/sh", "shell", 0755).dir("etc").file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")
            .dir("var").dir("var/lib").file("var/lib/old", "old").file("gone", "x").bytes();
    }

    private byte[] top() throws Exception {
        // deletes /gone, makes /var/lib opaque (only "new" shows), adds /etc/hostname
        return new Tars().file(".wh.gone", "").dir("var").dir("var/lib").file("var/lib/.wh..wh..opq", "")
            .file("var/lib/new", "new").dir("etc").file("etc/hostname", "h").bytes();
    }

    @Test
    void layersAreUnpackedOnceByChainIdAndSharedBetweenImages() throws Exception {
        assumeTrue(UnpackOptions.isRoot(), "overlay whiteouts (0/0 devices, trusted xattrs) need root");
        ImageStore store = ImageStore.open(tmp);
        Snapshots snaps = Snapshots.open(store);
        byte[] base = base();
        Image two = TestImages.put(store, base, top());
        Image one = TestImages.put(store, base);
        Path c1 = Files.createDirectories(tmp.resolve("containers/c1"));
        Snapshots.Use u1 = snaps.use("c1", c1, two, M, false, w -> { });
        Snapshots.Use u2 = snaps.use("c2", Files.createDirectories(tmp.resolve("containers/c2")), one, M, false, w -> { });
        assertEquals(2, u1.dirs().size());
        // the base layer is the same directory (same inode) for both images
        assertEquals(u1.dirs().get(0), u2.dirs().get(0));
        Object ino = Files.getAttribute(u1.dirs().get(0).resolve("bin/sh"), "unix:ino");
        Snapshots.Use again = snaps.use("c3", Files.createDirectories(tmp.resolve("containers/c3")), two, M, false, w -> { });
        assertEquals(ino, Files.getAttribute(again.dirs().get(0).resolve("bin/sh"), "unix:ino"), "unpacked again");
        // the key of the top layer is its chain id, not its diff id
        List<Digest> chains = Snapshots.chainIds(two.config().diffIds());
        assertEquals(two.config().diffIds().get(0), chains.get(0));
        assertNotEquals(two.config().diffIds().get(1), chains.get(1));
        assertEquals(snaps.dir().resolve(chains.get(1).hex()).resolve("fs"), u1.dirs().get(1));
        // whiteouts as overlayfs reads them, and the view reads them too
        Path top = u1.dirs().get(1);
        assertEquals(0020000, (Integer) Files.getAttribute(top.resolve("gone"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000);
        assertEquals("var/lib\n", Files.readString(top.getParent().resolve("opaque")));
        LayerView view = new LayerView(u1.dirs());
        assertNull(view.find("gone"));
        assertNull(view.find("var/lib/old"), "the opaque directory hides the lower layer's file");
        assertEquals(top.resolve("var/lib/new"), view.find("var/lib/new"));
        assertEquals(u1.dirs().get(0).resolve("etc/passwd"), view.file("/etc/passwd"));
        assertEquals(u1.dirs().get(0).resolve("var/lib/old"), new LayerView(u2.dirs()).find("var/lib/old"));
        try (Stream<Path> s = Files.list(snaps.dir().resolve("tmp"))) {
            assertEquals(0, s.count(), "nothing left in tmp");
        }
    }

    @Test
    void layersUnpackSideBySideAndOneBadLayerFailsTheUseWithNothingHalfMade() throws Exception {
        assumeTrue(UnpackOptions.isRoot(), "overlay whiteouts (0/0 devices, trusted xattrs) need root");
        ImageStore store = ImageStore.open(tmp);
        Snapshots snaps = Snapshots.open(store);
        List<byte[]> layers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Tars t = new Tars().dir("l" + i);
            for (int f = 0; f < 50; f++) {
                t.file("l" + i + "/f" + f, "layer " + i + " file " + f);
            }
            layers.add(Tars.gzip(t.bytes()));
        }
        Image img = TestImages.put(store, layers.toArray(byte[][]::new));
        Snapshots.Use u = snaps.use("c1", Files.createDirectories(tmp.resolve("containers/c1")), img, M, false, w -> { });
        LayerView view = new LayerView(u.dirs());
        for (int i = 0; i < 5; i++) {
            assertEquals("layer " + i + " file 49", Files.readString(view.find("l" + i + "/f49")));
            assertEquals(Snapshots.chainIds(img.config().diffIds()).get(i).hex(), u.dirs().get(i).getParent().getFileName().toString());
        }
        // the same layers with a wrong diff id for the fourth: the use fails, the good layers of it
        // that were missing stay usable, the bad one never gets its name, and tmp/ is empty
        List<Digest> diffs = new ArrayList<>(img.config().diffIds());
        diffs.set(3, Digest.of(new byte[1]));
        Image bad = new Image(img.digest(), img.manifest(), new ImageConfig(img.config().json(), diffs));
        List<String> badKeys = Snapshots.keys(bad, M, false);
        ImageException.DigestMismatch e = assertThrows(ImageException.DigestMismatch.class,
            () -> snaps.use("c2", Files.createDirectories(tmp.resolve("containers/c2")), bad, M, false, w -> { }));
        assertTrue(e.getMessage().contains(img.manifest().layers().get(3).digest().toString()), e.getMessage());
        assertFalse(Files.exists(snaps.dir().resolve(badKeys.get(3))));
        try (Stream<Path> s = Files.list(snaps.dir().resolve("tmp"))) {
            assertEquals(0, s.count(), "nothing left in tmp");
        }
    }

    @Test
    void removeIsRefusedWhileAHolderExistsAndPruneKeepsWhatImagesNeed() throws Exception {
        assumeTrue(UnpackOptions.isRoot(), "overlay whiteouts need root");
        ImageStore store = ImageStore.open(tmp);
        Snapshots snaps = Snapshots.open(store);
        Image two = TestImages.put(store, base(), top());
        store.keep(two.digest());
        Path holder = Files.createDirectories(tmp.resolve("containers/c1"));
        Snapshots.Use u = snaps.use("c1", holder, two, M, false, w -> { });
        String baseKey = u.keys().get(0);
        assertThrows(ImageException.InUse.class, () -> snaps.remove(baseKey));
        assertEquals(List.of("c1"), snaps.list().get(snaps.list().get(0).key().equals(baseKey) ? 0 : 1).users());
        // a holder whose directory is gone (a crashed run, a removed container) holds nothing
        Files.delete(holder);
        assertEquals(0, snaps.prune().removed(), "the image still has both layers");
        assertTrue(Files.isDirectory(u.dirs().get(1)));
        store.remove(two.digest());
        Snapshots.PruneResult r = snaps.prune();
        assertEquals(2, r.removed());
        assertFalse(Files.exists(u.dirs().get(0)));
        // release and remove by chain id
        Image again = TestImages.put(store, base());
        Snapshots.Use u2 = snaps.use("c2", Files.createDirectories(tmp.resolve("containers/c2")), again, M, false, w -> { });
        snaps.release("c2");
        assertTrue(snaps.remove(Snapshots.chainIds(again.config().diffIds()).get(0).hex()));
        assertFalse(Files.exists(u2.dirs().get(0)));
        assertFalse(snaps.remove(u2.keys().get(0)));
    }

    @Test
    void concurrentUnpackersOfOneLayerLeaveOneCopy() throws Exception {
        assumeTrue(UnpackOptions.isRoot(), "overlay whiteouts need root");
        ImageStore store = ImageStore.open(tmp);
        Snapshots snaps = Snapshots.open(store);
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 20000; i++) {
            big.append("line ").append(i).append('\n');
        }
        Tars t = new Tars();
        for (int i = 0; i < 50; i++) {
            t.file("f" + i, big.toString());
        }
        Image img = TestImages.put(store, t.bytes());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Snapshots.Use>> fs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String h = "h" + i;
                Path dir = Files.createDirectories(tmp.resolve("containers").resolve(h));
                fs.add(pool.submit((Callable<Snapshots.Use>) () -> snaps.use(h, dir, img, M, false, w -> { })));
            }
            for (Future<Snapshots.Use> f : fs) {
                assertEquals(fs.get(0).get().dirs(), f.get().dirs());
            }
        } finally {
            pool.shutdownNow();
        }
        try (Stream<Path> s = Files.list(snaps.dir())) {
            // tmp, users, the lock, one snapshot
            assertEquals(List.of(Snapshots.keys(img, M, false).get(0), "layers.lock", "tmp", "users"),
                s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (Stream<Path> s = Files.list(snaps.dir().resolve("tmp"))) {
            assertEquals(0, s.count(), "the losers' copies are gone");
        }
    }

    @Test
    void idShiftedAndFlatSnapshotsAreKeptApart() throws Exception {
        assumeTrue(UnpackOptions.isRoot(), "chown needs root");
        ImageStore store = ImageStore.open(tmp);
        Snapshots snaps = Snapshots.open(store);
        Image two = TestImages.put(store, base(), top());
        Snapshots.Mapping shifted = new Snapshots.Mapping(100000, 100000, true);
        Path h = Files.createDirectories(tmp.resolve("containers/c1"));
        Snapshots.Use s = snaps.use("c1", h, two, shifted, false, w -> { });
        assertTrue(s.keys().get(0).endsWith("-100000-100000-ux"), s.keys().get(0));
        assertEquals(100000, Files.getAttribute(s.dirs().get(0).resolve("bin/sh"), "unix:uid"));
        assertEquals(100000, Files.getAttribute(s.dirs().get(0).getParent(), "unix:uid"), "its root may enter it");
        assertEquals("y", new String(dev.berth.linux.FileNodes.getXattr(s.dirs().get(1).resolve("var/lib"), "user.overlay.opaque")));
        Snapshots.Use flat = snaps.use("c2", Files.createDirectories(tmp.resolve("containers/c2")), two, M, true, w -> { });
        Path fs = flat.dirs().get(0);
        assertTrue(flat.keys().get(0).startsWith("flat-"));
        assertFalse(Files.exists(fs.resolve("gone"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(fs.resolve("var/lib/old")));
        assertEquals("new", Files.readString(fs.resolve("var/lib/new")));
    }
}
