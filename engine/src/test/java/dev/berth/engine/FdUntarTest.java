package dev.berth.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.image.TarEntry;
import dev.berth.image.TarWriter;
import dev.berth.linux.Fd;
import dev.berth.linux.InRoot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A hostile archive (what a container can hand {@code berth cp} on its way out) extracted into
 * a destination: links it makes, names that climb and hard links to the host's files all stay
 * below the destination; the host's directory beside it is never written.
 */
class FdUntarTest {
    @TempDir
    Path tmp;

    @AfterEach
    void reset() {
        InRoot.useOpenat2(true);
    }

    private static byte[] tar(TarEntry... entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(b)) {
            for (TarEntry e : entries) {
                byte[] data = e.type == TarEntry.FILE ? "PWNED\n".getBytes(StandardCharsets.UTF_8) : null;
                if (data != null) {
                    e.size = data.length;
                }
                w.add(e, data == null ? null : new ByteArrayInputStream(data));
            }
        }
        return b.toByteArray();
    }

    private static TarEntry link(String name, char type, String target) {
        TarEntry e = new TarEntry(name, type);
        e.linkName = target;
        return e;
    }

    private void extract(Path dest, byte[] tar) throws Exception {
        try (Fd d = Fd.openDirectory(dest)) {
            new FdUntar(d, false, e -> null, null).extract(new ByteArrayInputStream(tar));
        }
    }

    private static void assertHostUntouched(Path host) throws IOException {
        try (Stream<Path> s = Files.list(host)) {
            assertEquals(List.of(host.resolve("secret")), s.toList(), "written into the host's directory");
        }
        assertEquals("HOST\n", Files.readString(host.resolve("secret")));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void hostileEntriesStayBelowTheDestination(boolean openat2) throws Exception {
        InRoot.useOpenat2(openat2);
        Path host = Files.createDirectory(tmp.resolve("host"));
        Files.writeString(host.resolve("secret"), "HOST\n");
        Path dest = Files.createDirectory(tmp.resolve("dest"));
        String inside = host.toString().substring(1);
        // a link to the host's directory, then a file through it: inside, that path does not exist
        assertThrows(Exception.class, () -> extract(dest, tar(link("abs", TarEntry.SYMLINK, host.toString()),
            new TarEntry("abs/through", TarEntry.FILE))));
        assertThrows(Exception.class, () -> extract(dest, tar(link("rel", TarEntry.SYMLINK, "../host"),
            new TarEntry("rel/through", TarEntry.FILE))));
        assertHostUntouched(host);
        // once the destination has directories of those names, that is where the files go
        Files.createDirectories(dest.resolve(inside));
        Files.createDirectories(dest.resolve("host"));
        extract(dest, tar(new TarEntry("abs/through", TarEntry.FILE), new TarEntry("rel/through2", TarEntry.FILE),
            link("root", TarEntry.SYMLINK, "/"), new TarEntry("root/" + inside + "/x", TarEntry.FILE)));
        assertHostUntouched(host);
        assertEquals("PWNED\n", Files.readString(dest.resolve(inside).resolve("through")));
        assertEquals("PWNED\n", Files.readString(dest.resolve("host/through2")));
        assertTrue(Files.exists(dest.resolve(inside).resolve("x")));
        // a name that climbs is refused; a hard link to the host's file finds no such file inside
        assertThrows(EngineException.InvalidArgument.class, () -> extract(dest, tar(new TarEntry("../escaped",
            TarEntry.FILE))));
        assertFalse(Files.exists(tmp.resolve("escaped")));
        assertThrows(Exception.class, () -> extract(dest, tar(link("hard", TarEntry.HARDLINK, "abs/../../host/secret"))));
        assertThrows(Exception.class, () -> extract(dest, tar(link("hard2", TarEntry.HARDLINK, host + "/secret"))));
        assertEquals(1L, ((Number) Files.getAttribute(host.resolve("secret"), "unix:nlink")).longValue());
        assertEquals("HOST\n", Files.readString(host.resolve("secret")));
    }
}
