package dev.berth.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.linux.FileNodes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerUnpackerTest {
    @TempDir
    Path tmp;

    private Path root() throws IOException {
        Path r = tmp.resolve("root");
        Files.createDirectories(r);
        return r;
    }

    private LayerUnpacker.Result unpack(byte[] layer, Path root) throws IOException {
        return LayerUnpacker.unpack(new ByteArrayInputStream(layer), root, new UnpackOptions());
    }

    @Test
    void unpacksPlainGzipAndZstdWithTheSameDiffId() throws Exception {
        byte[] tar = new Tars().dir("etc/").file("etc/hostname", "box\n").file("bin/sh", "#!", 0755)
            .symlink("bin/ash", "sh").hardlink("bin/hard", "bin/sh").bytes();
        Digest expected = Digest.of(tar);
        for (byte[] layer : List.of(tar, Tars.gzip(tar), Tars.zstd(tar))) {
            Path r = Files.createTempDirectory(tmp, "r");
            LayerUnpacker.Result res = unpack(layer, r);
            assertEquals(expected, res.diffId());
            assertEquals("box\n", Files.readString(r.resolve("etc/hostname")));
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(r.resolve("bin/sh"))));
            assertEquals(Path.of("sh"), Files.readSymbolicLink(r.resolve("bin/ash")));
            assertEquals(Files.getAttribute(r.resolve("bin/sh"), "unix:ino"), Files.getAttribute(r.resolve("bin/hard"), "unix:ino"));
            assertEquals(1_700_000_000L, Files.getLastModifiedTime(r.resolve("etc/hostname")).toMillis() / 1000);
        }
    }

    @Test
    void flatWhiteoutsDeleteLowerFiles() throws Exception {
        Path r = root();
        unpack(new Tars().file("a/keep", "1").file("a/gone", "2").file("o/old1", "x").file("o/sub/old2", "y").bytes(), r);
        unpack(new Tars().file("a/.wh.gone", "").file("o/new", "n").file("o/.wh..wh..opq", "").bytes(), r);
        assertTrue(Files.exists(r.resolve("a/keep")));
        assertFalse(Files.exists(r.resolve("a/gone")));
        assertFalse(Files.exists(r.resolve("a/.wh.gone")));
        assertEquals(List.of("new"), list(r.resolve("o")));
    }

    @Test
    void overlayWhiteoutsAreDevicesAndAnOpaqueXattr() throws Exception {
        Assumptions.assumeTrue(UnpackOptions.isRoot(), "overlay whiteouts need root (mknod, trusted.*)");
        Path r = root();
        LayerUnpacker.unpack(new ByteArrayInputStream(new Tars().dir("o/").file("o/.wh..wh..opq", "").file("a/.wh.gone", "").bytes()),
            r, new UnpackOptions().whiteouts(UnpackOptions.Whiteouts.OVERLAY));
        assertEquals("y", new String(FileNodes.getXattr(r.resolve("o"), "trusted.overlay.opaque"), StandardCharsets.US_ASCII));
        Path wh = r.resolve("a/gone");
        assertEquals(FileNodes.S_IFCHR, ((Integer) Files.getAttribute(wh, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 0170000);
        assertEquals(0L, ((Number) Files.getAttribute(wh, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue());
    }

    @Test
    void ownersShiftedModesAndBinaryCapabilityKept() throws Exception {
        Assumptions.assumeTrue(UnpackOptions.isRoot(), "chown and security.capability need root");
        TarEntry e = new TarEntry("bin/ping", TarEntry.FILE);
        e.mode = 04755;
        e.uid = 0;
        e.gid = 50;
        e.size = 2;
        // cap_setuid,cap_net_raw+ep: byte 0 has bit 7 set, which a UTF-8 decoder would mangle
        byte[] cap = {1, 0, 0, 2, (byte) 0x80, 0x20, 0, 0, (byte) 0x80, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        e.xattrs.put("security.capability", cap);
        Path r = root();
        LayerUnpacker.unpack(new ByteArrayInputStream(new Tars().entry(e, new byte[] {'h', 'i'}).bytes()), r,
            new UnpackOptions().idShift(100000, 100000));
        Path ping = r.resolve("bin/ping");
        assertEquals(100000, Files.getAttribute(ping, "unix:uid"));
        assertEquals(100050, Files.getAttribute(ping, "unix:gid"));
        assertEquals(04755, ((Integer) Files.getAttribute(ping, "unix:mode")) & 07777);
        assertArrayEquals(cap, FileNodes.getXattr(ping, "security.capability"));
        // bin/ has no entry of its own: made for the shifted root, not the host's
        assertEquals(100000, Files.getAttribute(r.resolve("bin"), "unix:uid"));
        assertEquals(100000, Files.getAttribute(r.resolve("bin"), "unix:gid"));

        Path r2 = Files.createTempDirectory(tmp, "strip");
        LayerUnpacker.unpack(new ByteArrayInputStream(new Tars().entry(e, new byte[] {'h', 'i'}).bytes()), r2,
            new UnpackOptions().stripSetuid(true));
        assertEquals(0755, ((Integer) Files.getAttribute(r2.resolve("bin/ping"), "unix:mode")) & 07777);
    }

    @Test
    void devicesCreatedSkippedOrRefused() throws Exception {
        TarEntry dev = new TarEntry("dev/null", TarEntry.CHAR);
        dev.mode = 0666;
        dev.devMajor = 1;
        dev.devMinor = 3;
        byte[] layer = new Tars().entry(dev, null).bytes();
        List<String> warnings = new ArrayList<>();
        Path skip = Files.createTempDirectory(tmp, "skip");
        LayerUnpacker.unpack(new ByteArrayInputStream(layer), skip,
            new UnpackOptions().devices(UnpackOptions.Devices.SKIP).warnings(warnings::add));
        assertFalse(Files.exists(skip.resolve("dev/null"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(1, warnings.size());
        ImageException.Refused e = assertThrows(ImageException.Refused.class, () -> LayerUnpacker.unpack(
            new ByteArrayInputStream(layer), Files.createTempDirectory(tmp, "ref"), new UnpackOptions().devices(UnpackOptions.Devices.REFUSE)));
        assertTrue(e.getMessage().contains("dev/null"), e.getMessage());
        if (UnpackOptions.isRoot()) {
            Path made = Files.createTempDirectory(tmp, "made");
            LayerUnpacker.unpack(new ByteArrayInputStream(layer), made, new UnpackOptions().devices(UnpackOptions.Devices.CREATE));
            assertEquals(FileNodes.makedev(1, 3), ((Number) Files.getAttribute(made.resolve("dev/null"), "unix:rdev")).longValue());
        }
    }

    // ---- hostile layers ----

    @Test
    void traversalIsRefused() throws Exception {
        Path r = root();
        Path outside = tmp.resolve("escaped");
        ImageException.Refused e = assertThrows(ImageException.Refused.class,
            () -> unpack(new Tars().file("ok", "1").file("../escaped", "x").bytes(), r));
        assertTrue(e.getMessage().contains("\"..\""), e.getMessage());
        assertFalse(Files.exists(outside));
        assertThrows(ImageException.Refused.class, () -> unpack(new Tars().file("a/../../escaped", "x").bytes(), r));
        assertFalse(Files.exists(outside));
    }

    @Test
    void absolutePathIsRefused() throws Exception {
        Path victim = tmp.resolve("abs-victim");
        ImageException.Refused e = assertThrows(ImageException.Refused.class,
            () -> unpack(new Tars().file(victim.toString(), "x").bytes(), root()));
        assertTrue(e.getMessage().contains("absolute"), e.getMessage());
        assertFalse(Files.exists(victim));
    }

    @Test
    void aDirectoryReplacedInTheSameLayerIsResolvedAgain() throws Exception {
        // the unpacker remembers resolved parent directories; one replaced by a symlink (or
        // deleted by a whiteout) later in the same layer must be resolved again, inside the root
        Path r = root();
        Path outside = tmp.resolve("outside2");
        Files.createDirectories(outside);
        unpack(new Tars().dir("d").file("d/a", "1").symlink("d", outside.toString()).file("d/b", "2")
            .file("e/x", "3").file(".wh.e", "").file("e/y", "4").bytes(), r);
        assertFalse(Files.exists(outside.resolve("b")), "written through the new symlink to the host");
        Path inside = r.resolve(outside.toString().substring(1));
        assertEquals("2", Files.readString(inside.resolve("b")));
        assertTrue(Files.isSymbolicLink(r.resolve("d")));
        assertFalse(Files.exists(r.resolve("e/x")), "the whiteout deleted e with x");
        assertEquals("4", Files.readString(r.resolve("e/y")));
    }

    @Test
    void symlinkThenWriteThroughItStaysInside() throws Exception {
        Path r = root();
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        // absolute target: the container's /.../outside, which is inside the root
        unpack(new Tars().symlink("evil", outside.toString()).file("evil/planted", "x").bytes(), r);
        assertFalse(Files.exists(outside.resolve("planted")));
        assertTrue(Files.exists(r.resolve(outside.toString().substring(1)).resolve("planted")));
        // relative target climbing out of the root: refused
        Path r2 = Files.createTempDirectory(tmp, "r2");
        ImageException.Refused e = assertThrows(ImageException.Refused.class,
            () -> unpack(new Tars().symlink("up", "../../../../../../../..").file("up/" + outside.toString().substring(1) + "/p2", "x").bytes(), r2));
        assertTrue(e.getMessage().contains("above the root"), e.getMessage());
        assertFalse(Files.exists(outside.resolve("p2")));
        // a file entry over an existing symlink replaces the link, never writes through it
        Path r3 = Files.createTempDirectory(tmp, "r3");
        Path target = outside.resolve("victim");
        Files.writeString(target, "original");
        unpack(new Tars().symlink("link", target.toString()).file("link", "overwritten").bytes(), r3);
        assertEquals("original", Files.readString(target));
        assertEquals("overwritten", Files.readString(r3.resolve("link")));
    }

    @Test
    void hardlinkOutsideIsRefused() throws Exception {
        Path r = root();
        assertTrue(assertThrows(ImageException.Refused.class, () -> unpack(new Tars().hardlink("shadow", "/etc/shadow").bytes(), r))
            .getMessage().contains("absolute"));
        assertThrows(ImageException.Refused.class, () -> unpack(new Tars().hardlink("shadow", "../../../../etc/shadow").bytes(), r));
        // through a symlink to /etc: resolved inside the root, where there is no shadow
        assertThrows(ImageException.BadFormat.class,
            () -> unpack(new Tars().symlink("etc2", "/etc").hardlink("shadow", "etc2/shadow").bytes(), r));
        assertFalse(Files.exists(r.resolve("shadow")));
    }

    @Test
    void truncatedLayersAreRefused() throws Exception {
        byte[] tar = new Tars().file("big", "x".repeat(5000)).bytes();
        byte[] cut = Arrays.copyOf(tar, 2048);
        ImageException.BadFormat e = assertThrows(ImageException.BadFormat.class, () -> unpack(cut, root()));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        byte[] gz = Tars.gzip(tar);
        assertTrue(assertThrows(ImageException.BadFormat.class,
            () -> unpack(Arrays.copyOf(gz, gz.length / 2), Files.createTempDirectory(tmp, "g"))).getMessage().contains("truncated"));
        byte[] garbage = new byte[1024];
        Arrays.fill(garbage, (byte) 'A');
        assertThrows(ImageException.BadFormat.class, () -> unpack(garbage, Files.createTempDirectory(tmp, "x")));
    }

    @Test
    void bombsAndGiantsAreRefused() throws Exception {
        byte[] zeros = new byte[16 << 20];
        TarEntry e = new TarEntry("bomb", TarEntry.FILE);
        e.size = zeros.length;
        byte[] bomb = Tars.gzip(new Tars().entry(e, zeros).bytes());
        assertTrue(bomb.length < 100_000, "a real bomb: " + bomb.length);
        ImageException.Refused r = assertThrows(ImageException.Refused.class, () -> LayerUnpacker.unpack(
            new ByteArrayInputStream(bomb), root(), new UnpackOptions().maxRatio(100, 1 << 20)));
        assertTrue(r.getMessage().contains("decompression bomb"), r.getMessage());
        ImageException.Refused big = assertThrows(ImageException.Refused.class, () -> LayerUnpacker.unpack(
            new ByteArrayInputStream(bomb), Files.createTempDirectory(tmp, "b"), new UnpackOptions().limits(8L << 30, 1 << 20, 100)
                .maxRatio(1000, 1 << 30)));
        assertTrue(big.getMessage().contains("1048576"), big.getMessage());
        ImageException.Refused many = assertThrows(ImageException.Refused.class, () -> LayerUnpacker.unpack(
            new ByteArrayInputStream(new Tars().file("a", "").file("b", "").file("c", "").bytes()),
            Files.createTempDirectory(tmp, "m"), new UnpackOptions().limits(1 << 20, 1 << 20, 2)));
        assertTrue(many.getMessage().contains("entries"), many.getMessage());
    }

    private static List<String> list(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
