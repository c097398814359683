package dev.berth.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
    @TempDir
    Path tmp;

    @Test
    void blobsAreVerifiedOnWriteAndNothingIsLeftOnMismatch() throws Exception {
        ImageStore s = ImageStore.open(tmp);
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.of(hello);
        BlobStore.Blob b = s.blobs().put(new ByteArrayInputStream(hello), d, 5, 100);
        assertEquals(d, b.digest());
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.blobs().path(d))));
        Digest wrong = Digest.of("other".getBytes(StandardCharsets.UTF_8));
        ImageException.DigestMismatch e = assertThrows(ImageException.DigestMismatch.class,
            () -> s.blobs().put(new ByteArrayInputStream(hello), wrong, 5, 100));
        assertTrue(e.getMessage().contains(wrong.toString()), e.getMessage());
        assertFalse(s.blobs().has(wrong));
        assertThrows(ImageException.DigestMismatch.class, () -> s.blobs().put(new ByteArrayInputStream(hello), d, 4, 100));
        assertThrows(ImageException.Refused.class, () -> s.blobs().put(new ByteArrayInputStream(hello), null, -1, 3));
        try (var ingest = Files.list(s.blobs().dir().resolve("ingest"))) {
            assertEquals(0, ingest.count());
        }
        assertEquals(List.of(d), s.blobs().list());
    }

    @Test
    void blobsAreVerifiedOnRead() throws Exception {
        ImageStore s = ImageStore.open(tmp);
        Digest d = s.blobs().put("content".getBytes(StandardCharsets.UTF_8)).digest();
        assertTrue(s.blobs().verify(d));
        Path p = s.blobs().path(d);
        p.toFile().setWritable(true);
        Files.writeString(p, "CONTENT");
        assertFalse(s.blobs().verify(d));
        assertThrows(ImageException.DigestMismatch.class, () -> s.blobs().read(d, 100));
    }

    @Test
    void aVerifiedMarkerIsKeptOnlyForTheFileThatWasHashed() throws Exception {
        long racy = BlobStore.racySeconds;
        BlobStore.racySeconds = -1; // the blob was just written: take its marker anyway
        try {
            ImageStore s = ImageStore.open(tmp);
            byte[] content = "{\"content\": 1}".getBytes(StandardCharsets.UTF_8);
            Digest d = s.blobs().put(content).digest();
            Path marker = s.blobs().dir().resolve("verified").resolve(d.hex());
            assertFalse(Files.exists(marker));
            assertEquals(new String(content), new String(s.blobs().read(d, 100)));
            String stamp = Files.readString(marker);
            assertTrue(stamp.startsWith(d + " "), stamp);
            assertEquals(new String(content), new String(s.blobs().read(d, 100)), "read again through the marker");
            assertEquals(stamp, Files.readString(marker));

            // the same size, other bytes, written in place: the ctime moves, the blob is hashed again
            Path p = s.blobs().path(d);
            p.toFile().setWritable(true);
            Files.writeString(p, "{\"CONTENT\": 1}");
            p.toFile().setWritable(false);
            assertThrows(ImageException.DigestMismatch.class, () -> s.blobs().read(d, 100));

            // or replaced by another file under the name
            Files.delete(p);
            Files.writeString(p, "{\"content\": 2}");
            assertThrows(ImageException.DigestMismatch.class, () -> s.blobs().read(d, 100));

            // a forged marker for another file proves nothing either
            Files.writeString(marker, stamp);
            assertThrows(ImageException.DigestMismatch.class, () -> s.blobs().read(d, 100));

            // gone with its blob
            Files.delete(p);
            s.gc();
            assertFalse(Files.exists(marker));
        } finally {
            BlobStore.racySeconds = racy;
        }
    }

    @Test
    void aBlobChangedMomentsAgoGetsNoMarker() throws Exception {
        ImageStore s = ImageStore.open(tmp);
        Digest d = s.blobs().put("fresh".getBytes(StandardCharsets.UTF_8)).digest();
        s.blobs().read(d, 100);
        assertFalse(Files.exists(s.blobs().dir().resolve("verified").resolve(d.hex())),
            "a change in the same clock tick could keep the ctime: no marker for a blob this young");
    }

    @Test
    void concurrentWritersOfOneBlobMakeOneFile() throws Exception {
        ImageStore s = ImageStore.open(tmp);
        byte[] data = new byte[4 << 20];
        new java.util.Random(7).nextBytes(data);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<BlobStore.Blob>> fs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            fs.add(pool.submit(() -> {
                go.await();
                return s.blobs().put(new ByteArrayInputStream(data), Digest.of(data), data.length, Long.MAX_VALUE);
            }));
        }
        go.countDown();
        for (Future<BlobStore.Blob> f : fs) {
            assertEquals(Digest.of(data), f.get().digest());
        }
        pool.shutdown();
        assertEquals(1, s.blobs().list().size());
        assertTrue(s.blobs().verify(Digest.of(data)));
    }

    @Test
    void tagsResolveAndGcKeepsOnlyWhatIsReachable() throws Exception {
        ImageStore s = ImageStore.open(tmp);
        Image img = TestImages.put(s, new Tars().file("a", "1").bytes());
        Digest stray = s.blobs().put("stray".getBytes(StandardCharsets.UTF_8)).digest();
        ImageRef ref = ImageRef.parse("example.com/app:1");
        s.tag(ref, img.digest());
        assertEquals(img.digest(), s.resolve(ref));
        assertEquals(img.digest(), s.resolve(ImageRef.parse("example.com/app@" + img.digest())));
        assertThrows(ImageException.NotFound.class, () -> s.resolve(ImageRef.parse("example.com/app:2")));
        ImageStore.GcResult r = s.gc();
        assertEquals(1, r.blobsRemoved());
        assertFalse(s.blobs().has(stray));
        assertEquals(3, s.blobs().list().size()); // manifest, config, layer
        Image again = s.image(ref, Platform.current());
        assertEquals(img.id(), again.id());
        assertTrue(s.untag(ref));
        assertEquals(3, s.gc().blobsRemoved());
        assertEquals(0, s.blobs().list().size());
    }

    @Test
    void gcWaitsForImportsThatHoldALease() throws Exception {
        ImageStore s = ImageStore.open(tmp);
        Digest d;
        Future<ImageStore.GcResult> gc;
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Lease l = s.lease()) {
            d = s.blobs().put("in flight".getBytes(StandardCharsets.UTF_8)).digest();
            gc = pool.submit(s::gc);
            Thread.sleep(200);
            assertFalse(gc.isDone(), "gc must wait for the lease");
            assertTrue(s.blobs().has(d));
            s.keep(d);
        }
        assertEquals(0, gc.get().blobsRemoved());
        assertTrue(s.blobs().has(d));
        pool.shutdown();
    }

    @Test
    void gcRemovesTempFilesOfDeadWriters() throws Exception {
        ImageStore s = ImageStore.open(tmp);
        Path dead = s.blobs().dir().resolve("ingest/999999999-1.tmp");
        Files.writeString(dead, "half");
        Path mine = s.blobs().dir().resolve("ingest/" + ProcessHandle.current().pid() + "-999.tmp");
        Files.writeString(mine, "mine");
        assertEquals(1, s.gc().tempFilesRemoved());
        assertTrue(Files.exists(mine));
    }

    @Test
    void unpackChecksDiffIds() throws Exception {
        ImageStore s = ImageStore.open(tmp);
        Image img = TestImages.put(s, Tars.gzip(new Tars().file("etc/os-release", "x").bytes()));
        Path root = Files.createDirectory(tmp.resolve("rootfs"));
        s.unpack(img, root, new UnpackOptions());
        assertEquals("x", Files.readString(root.resolve("etc/os-release")));
        // a config whose diff_id does not match the layer
        Image bad = new Image(img.digest(), img.manifest(), new ImageConfig(img.config().json(),
            List.of(Digest.of(new byte[1]))));
        assertThrows(ImageException.DigestMismatch.class, () -> s.unpack(bad, Files.createDirectory(tmp.resolve("r2")),
            new UnpackOptions()));
        assertNotEquals(img.id(), img.digest());
    }

    static byte[] read(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }
}
