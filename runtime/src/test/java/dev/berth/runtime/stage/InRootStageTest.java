package dev.berth.runtime.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.linux.NsKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The stage's RF_IN_ROOT steps against a root whose links all lead to a host directory, the
 * marker: an absolute link, a {@code ../} chain longer than the path, a link to {@code /} in
 * the middle of a path and a magic link ({@code /proc/self/root}). Every step must act inside
 * the root (where the link leads when the root is {@code /}), and the marker, the oracle, must
 * stay empty. Run with openat2 and with the component walk that replaces it on older kernels.
 */
class InRootStageTest {
    private Path dir;
    private Path root;
    private Path marker;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounts and mknod need root");
        dir = Files.createTempDirectory(Path.of("/tmp"), "berth-inroot");
        root = Files.createDirectory(dir.resolve("root"));
        marker = Files.createDirectory(dir.resolve("host-marker"));
        String rel = marker.toString().substring(1);
        Files.createSymbolicLink(root.resolve("abs"), marker);
        Files.createSymbolicLink(root.resolve("rel"), Path.of("../".repeat(12) + rel));
        Files.createDirectory(root.resolve("mid"));
        Files.createSymbolicLink(root.resolve("mid/link"), Path.of("/"));
        Files.createSymbolicLink(root.resolve("magic"), Path.of("/proc/self/root" + marker));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void everyStepLandsInsideTheRoot(boolean openat2) throws Exception {
        String rel = marker.toString().substring(1);
        Program p = new Program()
            .add(Protocol.OP_NEW_NS, "a mount namespace", Integer.toString(NsKind.MNT.cloneFlag()))
            .add(Protocol.OP_MOUNT, "make / private", "", "/", "", Long.toString(0x4000 | 0x40000), "")
            .add(Protocol.OP_ROOT, "the root", root.toString())
            .addInRoot(Protocol.OP_MKDIR, "mkdir /proc", "/proc", "555")
            .addInRoot(Protocol.OP_MOUNT, "mount proc", "proc", "/proc", "proc", "0", "")
            .addInRoot(Protocol.OP_MKDIR, "mkdir through an absolute link", "/abs/made", "755")
            .addInRoot(Protocol.OP_TOUCH, "touch through a ../ chain", "/rel/touched")
            .addInRoot(Protocol.OP_SYMLINK, "symlink through a link in the middle", "x", "/mid/link/" + rel + "/linked")
            .addInRoot(Protocol.OP_MKNOD, "mknod through an absolute link", "/abs/node", "c", "666", "1", "3", "0", "0")
            .addInRoot(Protocol.OP_TMPFS, "tmpfs through a ../ chain", "/rel/tmpfs", "0", "", "0")
            .addInRoot(Protocol.OP_MOUNT, "tmpfs on a directory through an absolute link", "tmpfs", "/abs/made",
                "tmpfs", "0", "")
            .addInRoot(Protocol.OP_REMOUNT_RO, "that read-only", "/abs/made", "0")
            .addWithFlags(Protocol.OP_MKDIR, Protocol.RF_IN_ROOT | Protocol.RF_OPTIONAL, "mkdir through a magic link",
                "/magic/magic", "755")
            .add(Protocol.OP_EXEC, "sleep", "/bin/sleep", "60");
        ProcessBuilder pb = new ProcessBuilder(Stage.locate().toString()).redirectError(ProcessBuilder.Redirect.DISCARD);
        if (!openat2) {
            pb.environment().put("BERTH_OPENAT2", "off");
        }
        Process stage = pb.start();
        try {
            new Frame(Protocol.F_HELLO, Frame.le(8).putInt(Protocol.MAGIC).putInt(Protocol.VERSION).array())
                .write(stage.getOutputStream());
            assertEquals(Protocol.F_HELLO, Frame.read(stage.getInputStream()).type());
            new Frame(Protocol.F_PROGRAM, p.encode()).write(stage.getOutputStream());
            Frame reply = Frame.read(stage.getInputStream());
            assertEquals(Protocol.F_CREATED, reply.type(), () -> "the stage failed: "
                + new String(reply.payload(), 8, reply.payload().length - 8));
            long pid = reply.intValue();

            assertEquals(List.of(), list(marker), "a step wrote into the host's directory");
            Path inside = root.resolve(rel);
            assertTrue(Files.isDirectory(inside.resolve("made")));
            assertTrue(Files.isRegularFile(inside.resolve("touched")));
            assertTrue(Files.isSymbolicLink(inside.resolve("linked")));
            assertEquals("character", type(inside.resolve("node")));
            // the kernel refuses a magic link; the walk reads it as text, a path inside the root
            // (/proc/PID/root reads "/")
            assertEquals(!openat2, Files.isDirectory(inside.resolve("magic")));
            List<String> mounts = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo"))) {
                String[] f = line.split(" ");
                if (f[4].startsWith(dir.toString())) {
                    mounts.add(f[4] + " " + f[5].split(",")[0]);
                }
            }
            assertEquals(List.of(root.resolve("proc") + " rw", inside.resolve("tmpfs") + " rw",
                inside.resolve("made") + " ro"), mounts);
        } finally {
            stage.getOutputStream().close(); // the engine gone before the start: the stage abandons it
            assertTrue(stage.waitFor(10, TimeUnit.SECONDS));
        }
    }

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }

    private static String type(Path p) throws IOException {
        Object mode = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return ((Integer) mode & 0170000) == 0020000 ? "character" : "other " + Integer.toOctalString((Integer) mode);
    }
}
