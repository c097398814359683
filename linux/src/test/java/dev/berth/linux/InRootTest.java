package dev.berth.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lookups inside a root that holds every kind of escape: each one must land inside the root
 * (where a decoy file of the same name says "inside"), never on the host's file beside it.
 */
class InRootTest {
    @TempDir
    Path tmp;
    Path root;
    InRoot in;

    @BeforeEach
    void tree() throws IOException {
        // tmp/secret is the host's; tmp/root/secret is the container's decoy
        Files.writeString(tmp.resolve("secret"), "outside");
        root = Files.createDirectory(tmp.resolve("root"));
        Files.writeString(root.resolve("secret"), "inside");
        Files.createDirectories(root.resolve("etc/deep"));
        Files.createSymbolicLink(root.resolve("etc/x"), Path.of("/"));
        Files.createSymbolicLink(root.resolve("up"), Path.of("../../../.."));
        Files.createSymbolicLink(root.resolve("etc/deep/chain"), Path.of("../../up/up/../.."));
        Files.createSymbolicLink(root.resolve("abs"), tmp);
        Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));
        Files.createSymbolicLink(root.resolve("proc-root"), Path.of("/proc/self/root"));
        Files.writeString(root.resolve("file"), "f");
    }

    @AfterEach
    void reset() {
        InRoot.useOpenat2(true);
        if (in != null) {
            in.close();
        }
    }

    private String read(String path) throws IOException {
        try (Fd f = in.open(path, true); InputStream s = f.reader()) {
            return new String(s.readAllBytes());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void escapesStayInside(boolean openat2) throws IOException {
        InRoot.useOpenat2(openat2);
        in = InRoot.of(Fd.openDirectory(root));
        assertEquals("inside", read("/secret"));
        assertEquals("inside", read("/etc/x/secret"));
        assertEquals("inside", read("../../../secret"));
        assertEquals("inside", read("/up/secret"));
        assertEquals("inside", read("/etc/deep/chain/secret"));
        assertEquals("inside", read("/etc/deep/chain/etc/x/up/secret"));
        // an absolute link to the host's tmp directory means the container's own /tmp...
        ErrnoException e = assertThrows(ErrnoException.class, () -> read("/abs/secret"));
        assertEquals(Errno.ENOENT, e.errno());
        // ... which, once it exists, is where the link leads
        Files.createDirectories(root.resolve(tmp.toString().substring(1)));
        Files.writeString(root.resolve(tmp.toString().substring(1)).resolve("secret"), "inside too");
        assertEquals("inside too", read("/abs/secret"));
        assertEquals(40, assertThrows(ErrnoException.class, () -> read("/loop")).errno());
        assertEquals(Errno.ENOTDIR, assertThrows(ErrnoException.class, () -> read("/file/")).errno());
        assertEquals(Errno.ENOTDIR, assertThrows(ErrnoException.class, () -> read("/file/x")).errno());
        // /proc/self/root: refused by openat2, read as "/" (inside) by the walk; never the host's
        if (openat2) {
            assertThrows(ErrnoException.class, () -> read("/proc-root/secret"));
        } else {
            assertEquals(Errno.ENOENT, assertThrows(ErrnoException.class, () -> read("/proc-root/secret")).errno());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void lastSymlinkIsKeptUnlessFollowed(boolean openat2) throws IOException {
        InRoot.useOpenat2(openat2);
        in = InRoot.of(Fd.openDirectory(root));
        try (Fd f = in.open("/etc/x", false)) {
            assertTrue(f.stat().isSymlink());
            assertEquals("/", f.readLink());
        }
        try (Fd f = in.open("/etc/x", true)) {
            assertTrue(f.stat().isDirectory());
            assertEquals(Files.readAttributes(root, "unix:ino"), java.util.Map.of("ino", f.stat().ino()));
        }
        try (Fd f = in.open("/etc/x/", false)) {
            assertTrue(f.stat().isDirectory(), "a trailing slash follows the link");
        }
        try (InRoot.Parent p = in.parent("/etc/x/etc/x")) {
            assertEquals("x", p.name());
            assertEquals(Files.readAttributes(root.resolve("etc"), "unix:ino").get("ino"), p.dir().stat().ino());
        }
        try (InRoot.Parent p = in.parent("/etc/.")) {
            assertEquals(null, p.name());
            assertTrue(p.dir().stat().isDirectory());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void writesByNameNeverFollowTheName(boolean openat2) throws IOException {
        InRoot.useOpenat2(openat2);
        in = InRoot.of(Fd.openDirectory(root));
        try (InRoot.Parent p = in.parent("/etc/x")) {
            assertThrows(ErrnoException.class, () -> p.dir().openAt(p.name(), Fd.O_WRONLY | Fd.O_CREAT | Fd.O_EXCL, 0644));
            assertThrows(ErrnoException.class, () -> p.dir().openAt(p.name(), Fd.O_WRONLY, 0644).close());
            p.dir().utimesAt(p.name(), 12345, 0);
            p.dir().chownAt(p.name(), 0, 0);
        }
        assertFalse(Files.getLastModifiedTime(tmp).toMillis() == 12345000L);
        assertEquals("outside", Files.readString(tmp.resolve("secret")));
        assertEquals(java.util.List.of("abs", "etc", "file", "loop", "proc-root", "secret", "up"), in.root().list());
    }

    /** docker's FollowSymlinkInScope: every link followed inside the root, a missing part and the rest kept as written. */
    @org.junit.jupiter.api.Test
    void resolvedPathFollowsEveryLinkInside() throws IOException {
        in = InRoot.of(Fd.openDirectory(root));
        assertEquals("/", in.resolvedPath("/"));
        assertEquals("/", in.resolvedPath("/etc/x"));
        assertEquals("/secret", in.resolvedPath("../../up/etc/x/secret"));
        assertEquals("/etc/deep", in.resolvedPath("etc//./deep/"));
        assertEquals("/etc", in.resolvedPath("/etc/deep/.."));
        assertEquals("/file", in.resolvedPath("/file/"));
        assertEquals("/etc/none/a/b", in.resolvedPath("/etc/x/etc/none/./a/b"));
        assertEquals(tmp + "/secret", in.resolvedPath("/abs/secret"));
        assertEquals(Errno.ENOTDIR, assertThrows(ErrnoException.class, () -> in.resolvedPath("/file/x")).errno());
        assertEquals(40, assertThrows(ErrnoException.class, () -> in.resolvedPath("/loop")).errno());
    }
}
