package dev.berth.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageLoaderTest {
    @TempDir
    Path tmp;

    /** A legacy docker save archive with two images, the second sharing the first's layer. */
    private static byte[] dockerSave(byte[] layerA, byte[] layerB, boolean tamper) throws IOException {
        Tars t = new Tars();
        String a = Digest.of(layerA).hex();
        String b = Digest.of(layerB).hex();
        byte[] c1 = TestImages.config(List.of("sha256:" + a));
        byte[] c2 = TestImages.config(List.of("sha256:" + a, "sha256:" + b));
        t.entry(fileEntry(a + "/layer.tar", layerA.length), layerA);
        byte[] stored = tamper ? Arrays.copyOf(layerB, layerB.length) : layerB;
        if (tamper) {
            stored[600] ^= 1;
        }
        t.entry(fileEntry(b + "/layer.tar", stored.length), stored);
        t.file(Digest.of(c1).hex() + ".json", new String(c1, StandardCharsets.UTF_8));
        t.file(Digest.of(c2).hex() + ".json", new String(c2, StandardCharsets.UTF_8));
        List<Object> manifest = new ArrayList<>();
        manifest.add(Map.of("Config", Digest.of(c1).hex() + ".json", "RepoTags", List.of("one:latest"),
            "Layers", List.of(a + "/layer.tar")));
        manifest.add(Map.of("Config", Digest.of(c2).hex() + ".json", "RepoTags", List.of("two:1", "example.com/two:2"),
            "Layers", List.of(a + "/layer.tar", b + "/layer.tar")));
        t.file("manifest.json", Json.compact(manifest));
        return t.bytes();
    }

    private static TarEntry fileEntry(String name, long size) {
        TarEntry e = new TarEntry(name, TarEntry.FILE);
        e.size = size;
        return e;
    }

    @Test
    void dockerSaveWithTwoImagesAndRepoTags() throws Exception {
        byte[] la = new Tars().file("a", "1").bytes();
        byte[] lb = new Tars().file("b", "2").bytes();
        ImageStore s = ImageStore.open(tmp);
        List<ImageLoader.Loaded> l = new ImageLoader(s).loadArchive(new ByteArrayInputStream(dockerSave(la, lb, false)), null);
        assertEquals(2, l.size());
        assertEquals(List.of(ImageRef.parse("two:1"), ImageRef.parse("example.com/two:2")), l.get(1).tags());
        Image two = s.image(ImageRef.parse("example.com/two:2"), Platform.current());
        assertEquals(2, two.manifest().layers().size());
        Path root = Files.createDirectory(tmp.resolve("root"));
        s.unpack(two, root, new UnpackOptions());
        assertEquals("2", Files.readString(root.resolve("b")));
        assertEquals(0, s.gc().blobsRemoved(), "everything loaded is referenced");
        // gzip-compressed archive too
        ImageStore s2 = ImageStore.open(tmp.resolve("s2"));
        new ImageLoader(s2).loadArchive(new ByteArrayInputStream(Tars.gzip(dockerSave(la, lb, false))), null);
        assertEquals(two.digest(), s2.resolve(ImageRef.parse("two:1")), "loading is deterministic");
    }

    @Test
    void tamperedLayerRegistersNothing() throws Exception {
        byte[] la = new Tars().file("a", "1").bytes();
        byte[] lb = new Tars().file("b", "2").bytes();
        ImageStore s = ImageStore.open(tmp);
        ImageException.DigestMismatch e = assertThrows(ImageException.DigestMismatch.class,
            () -> new ImageLoader(s).loadArchive(new ByteArrayInputStream(dockerSave(la, lb, true)), null));
        assertTrue(e.getMessage().contains("tampered"), e.getMessage());
        assertTrue(s.refs().tags().isEmpty());
        assertTrue(s.refs().images().isEmpty());
        s.gc();
        assertEquals(List.of(), s.blobs().list(), "the partial load was garbage");
    }

    @Test
    void truncatedArchiveIsRefused() throws Exception {
        byte[] full = dockerSave(new Tars().file("a", "1").bytes(), new Tars().file("b", "2").bytes(), false);
        ImageStore s = ImageStore.open(tmp);
        assertThrows(ImageException.BadFormat.class,
            () -> new ImageLoader(s).loadArchive(new ByteArrayInputStream(Arrays.copyOf(full, full.length / 2 + 100)), null));
        assertTrue(s.refs().tags().isEmpty());
    }

    private Path ociLayout(byte[] layer) throws IOException {
        Path dir = tmp.resolve("layout");
        Files.createDirectories(dir.resolve("blobs/sha256"));
        ImageStore scratch = ImageStore.open(tmp.resolve("scratch"));
        Image img = TestImages.put(scratch, layer);
        for (Digest d : scratch.blobs().list()) {
            Files.copy(scratch.blobs().path(d), dir.resolve("blobs/sha256/" + d.hex()));
        }
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Map<String, Object> desc = new LinkedHashMap<>();
        desc.put("mediaType", MediaTypes.OCI_MANIFEST);
        desc.put("digest", img.digest().toString());
        desc.put("size", img.manifest().toJson().length);
        desc.put("annotations", Map.of(Descriptor.REF_NAME, "v1"));
        Files.writeString(dir.resolve("index.json"), Json.compact(Map.of("schemaVersion", 2, "manifests", List.of(desc))));
        return dir;
    }

    @Test
    void ociLayoutLoadsAndABadBlobIsCaught() throws Exception {
        byte[] layer = Tars.gzip(new Tars().file("x", "y").bytes());
        Path dir = ociLayout(layer);
        ImageStore s = ImageStore.open(tmp.resolve("s"));
        List<ImageLoader.Loaded> l = new ImageLoader(s).loadLayout(dir, "localhost:5000/app");
        assertEquals(List.of(ImageRef.parse("localhost:5000/app:v1")), l.get(0).tags());
        // now corrupt the layer blob in the layout: refused, nothing registered in a fresh store
        Path blob = dir.resolve("blobs/sha256/" + Digest.of(layer).hex());
        byte[] bad = Files.readAllBytes(blob);
        bad[bad.length / 2] ^= 0x55;
        Files.write(blob, bad);
        ImageStore s2 = ImageStore.open(tmp.resolve("s2"));
        ImageException.DigestMismatch e = assertThrows(ImageException.DigestMismatch.class,
            () -> new ImageLoader(s2).loadLayout(dir, "app"));
        assertTrue(e.getMessage().contains(Digest.of(layer).toString()), e.getMessage());
        assertTrue(s2.refs().images().isEmpty());
    }
}
