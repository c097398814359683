package dev.berth.image;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Hostile image archives (issue 10): {@code berth load} and the daemon's {@code POST
 * /images/load} read tars from anyone. A docker-save archive (a layer with a directory, files,
 * a long PAX name, a symlink and a hard link) is truncated anywhere, has bytes flipped, or has
 * a header's size field rewritten; loading it must succeed or fail with an {@link ImageException}
 * of one line, and never hang.
 */
class ArchiveProperties {
    private static final byte[] ARCHIVE = archive();
    private static Path store;

    @net.jqwik.api.Example
    void theUndamagedArchiveLoads() throws Exception {
        // else every damaged one would be refused for a reason of the test's own
        List<ImageLoader.Loaded> l = new ImageLoader(ImageStore.open(store())).loadArchive(
            new ByteArrayInputStream(ARCHIVE), "fuzz");
        assertTrue(l.size() == 1 && l.get(0).tags().toString().contains("fuzz"), l.toString());
    }

    @Property(tries = 500)
    void aDamagedArchiveLoadsOrIsRefusedInOneLine(@ForAll("seeds") long seed) {
        byte[] b = damage(ARCHIVE, new Random(seed));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            try {
                new ImageLoader(ImageStore.open(store())).loadArchive(new ByteArrayInputStream(b), "fuzz");
            } catch (ImageException e) {
                oneLine(e.getMessage());
            }
        }, "loading a damaged archive took over 5 s");
    }

    @Property(tries = 2000)
    void aDamagedTarIsReadOrRefusedInOneLine(@ForAll("seeds") long seed) {
        byte[] b = damage(ARCHIVE, new Random(seed));
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            try {
                TarReader r = new TarReader(new ByteArrayInputStream(b));
                for (TarEntry e; (e = r.next()) != null; ) {
                    drain(r.content());
                }
            } catch (ImageException | EOFException e) {
                oneLine(e.getMessage());
            }
        }, "reading a damaged tar took over 2 s");
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    static void oneLine(String message) {
        assertTrue(message != null && !message.isBlank(), "an error without a message");
        assertFalse(message.contains("\n"), "an error of more than one line: " + message);
    }

    private static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        while (in.read(buf) >= 0) {
            // reads to the end, as unpacking does
        }
    }

    /** Truncated, flipped, or with a header's size field (offset 124, 12 bytes) rewritten. */
    static byte[] damage(byte[] in, Random rnd) {
        byte[] b = Arrays.copyOf(in, in.length);
        switch (rnd.nextInt(4)) {
            case 0:
                return Arrays.copyOf(b, rnd.nextInt(b.length));
            case 1:
                for (int i = 1 + rnd.nextInt(16); i > 0; i--) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
                return b;
            case 2: {
                int header = 512 * rnd.nextInt(b.length / 512);
                String[] sizes = {"77777777777", "00000000000", "-0000000001", "        ", "\u0080\u00ff\u00ff\u00ff",
                    Long.toOctalString(rnd.nextInt(1 << 20))};
                byte[] size = sizes[rnd.nextInt(sizes.length)].getBytes(StandardCharsets.ISO_8859_1);
                System.arraycopy(size, 0, b, header + 124, Math.min(size.length, 12));
                if (rnd.nextBoolean()) { // with the checksum made right, the reader must believe it
                    fixChecksum(b, header);
                }
                return b;
            }
            default: { // a header's type flag, name or link name
                int header = 512 * rnd.nextInt(b.length / 512);
                int[] fields = {156, 0, 157, 345};
                int f = fields[rnd.nextInt(fields.length)];
                b[header + f + rnd.nextInt(f == 156 ? 1 : 100)] = (byte) "0125678gxLK/.\u0000".charAt(rnd.nextInt(14));
                fixChecksum(b, header);
                return b;
            }
        }
    }

    private static void fixChecksum(byte[] b, int header) {
        Arrays.fill(b, header + 148, header + 156, (byte) ' ');
        int sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += b[header + i] & 0xff;
        }
        byte[] s = String.format("%06o\u0000 ", sum).getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(s, 0, b, header + 148, 8);
    }

    private static byte[] archive() {
        try {
            Tars layer = new Tars().dir("etc/").file("etc/hostname", "fuzz\n").file("d/" + "long".repeat(40), "x")
                .symlink("link", "etc/hostname").hardlink("hard", "etc/hostname");
            byte[] l = layer.bytes();
            String hex = Digest.of(l).hex();
            byte[] config = TestImages.config(List.of("sha256:" + hex));
            Tars t = new Tars();
            TarEntry e = new TarEntry(hex + "/layer.tar", TarEntry.FILE);
            e.size = l.length;
            t.entry(e, l);
            t.file(Digest.of(config).hex() + ".json", new String(config, StandardCharsets.UTF_8));
            t.file("manifest.json", Json.compact(List.of(Map.of("Config", Digest.of(config).hex() + ".json",
                "RepoTags", List.of("fuzz:latest"), "Layers", List.of(hex + "/layer.tar")))));
            return t.bytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static synchronized Path store() throws IOException {
        if (store == null) {
            store = Files.createTempDirectory("berth-fuzz-store");
        }
        return store;
    }

    @AfterContainer
    static void removeStore() throws IOException {
        if (store != null) {
            try (Stream<Path> walk = Files.walk(store)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
