package dev.berth.runtime.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.linux.NsKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OP_BIND: each bind arrives with the flags and the propagation its record asks for, on the
 * mount at the target and, where asked, on every mount of the tree; the kernel's mountinfo of
 * the stage's process is the oracle. The same records through the mount API (open_tree,
 * mount_setattr, move_mount) and through the old way (BERTH_MOUNT_API=off: bind, then remount)
 * must give the same mounts.
 */
class BindStageTest {
    private static final long RDONLY = 1, NOSUID = 2, NODEV = 4, NOEXEC = 8, BIND = 4096, REC = 16384;
    private static final long UNBINDABLE = 1 << 17, PRIVATE = 1 << 18, SHARED = 1 << 20;

    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounts need root");
        dir = Files.createTempDirectory(Path.of("/tmp"), "berth-bind");
        Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(dir.resolve("src/sub"));
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
    void eachBindArrivesWithItsFlags(boolean mountApi) throws Exception {
        String src = dir.resolve("src").toString();
        Program p = new Program()
            .add(Protocol.OP_NEW_NS, "a mount namespace", Integer.toString(NsKind.MNT.cloneFlag()))
            .add(Protocol.OP_MOUNT, "make / private", "", "/", "", Long.toString(REC | PRIVATE), "")
            .add(Protocol.OP_MOUNT, "a submount in the source", "tmpfs", src + "/sub", "tmpfs", "0", "")
            .add(Protocol.OP_ROOT, "the root", dir.resolve("root").toString());
        // flags, at the target, on every mount, propagation
        long[][] spec = {{BIND, RDONLY, 0, 0}, {BIND, NOSUID | NODEV | NOEXEC, 0, 0},
            {BIND | REC, 0, RDONLY | NOSUID, 0}, {BIND | REC, RDONLY, 0, 0}, {BIND | REC, 0, 0, SHARED | REC},
            {BIND, NOEXEC, 0, UNBINDABLE}};
        String[] targets = {"/ro", "/flags", "/rro", "/top", "/shared", "/unbindable"};
        for (int i = 0; i < targets.length; i++) {
            p.addInRoot(Protocol.OP_MKDIR, "mkdir " + targets[i], targets[i], "755");
            p.addInRoot(Protocol.OP_BIND, "bind on " + targets[i], src, targets[i], Long.toString(spec[i][0]),
                Long.toString(spec[i][1]), Long.toString(spec[i][2]), Long.toString(spec[i][3]));
        }
        p.add(Protocol.OP_EXEC, "sleep", "/bin/sleep", "60");
        Map<String, String> mounts = mounts(p, mountApi, null);
        assertEquals(Map.of(
            "/ro", "ro private", "/flags", "rw,nosuid,nodev,noexec private",
            "/rro", "ro,nosuid private", "/rro/sub", "ro,nosuid private",
            "/top", "ro private", "/top/sub", "rw private",
            "/shared", "rw shared", "/shared/sub", "rw shared",
            "/unbindable", "rw,noexec unbindable"), mounts, mounts.toString());
    }

    /**
     * The race the one step closes, made certain with a pause: after the bind, the target's
     * directory is renamed away and a link to another mount put in its place. The old way's
     * remount looks the target up again and makes that other mount read-only, the bind stays
     * writable; OP_BIND's flags came with the bind, so it is read-only wherever its directory went.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aLinkSwappedInAfterTheBindMisleadsOnlyALaterLookup(boolean oneStep) throws Exception {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("vol/dir"));
        Files.createDirectories(root.resolve("other"));
        Files.createSymbolicLink(root.resolve("vol/swap"), Path.of("/other"));
        String src = dir.resolve("src").toString();
        Program p = new Program()
            .add(Protocol.OP_NEW_NS, "a mount namespace", Integer.toString(NsKind.MNT.cloneFlag()))
            .add(Protocol.OP_MOUNT, "make / private", "", "/", "", Long.toString(REC | PRIVATE), "")
            .add(Protocol.OP_ROOT, "the root", root.toString())
            .addInRoot(Protocol.OP_MOUNT, "another mount", "tmpfs", "/other", "tmpfs", "0", "");
        if (oneStep) {
            p.addInRoot(Protocol.OP_BIND, "bind read-only", src, "/vol/dir", Long.toString(BIND), Long.toString(RDONLY),
                "0", "0");
            p.add(Protocol.OP_PAUSE, "the swap");
        } else {
            p.addInRoot(Protocol.OP_MOUNT, "bind", src, "/vol/dir", "", Long.toString(BIND), "");
            p.add(Protocol.OP_PAUSE, "the swap");
            p.addInRoot(Protocol.OP_REMOUNT_RO, "then read-only", "/vol/dir", "0");
        }
        p.add(Protocol.OP_EXEC, "sleep", "/bin/sleep", "60");
        Map<String, String> mounts = mounts(p, true, () -> {
            Files.move(root.resolve("vol/dir"), root.resolve("vol/moved"));
            Files.move(root.resolve("vol/swap"), root.resolve("vol/dir"));
        });
        assertEquals(oneStep ? Map.of("/vol/moved", "ro private", "/other", "rw private")
            : Map.of("/vol/moved", "rw private", "/other", "ro private"), mounts, mounts.toString());
    }

    interface Swap {
        void run() throws IOException;
    }

    /** Runs the program up to the container's start (at its pause, {@code swap}) and returns its mounts under the root. */
    private Map<String, String> mounts(Program p, boolean mountApi, Swap swap) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Stage.locate().toString()).redirectError(ProcessBuilder.Redirect.DISCARD);
        if (!mountApi) {
            pb.environment().put("BERTH_MOUNT_API", "off");
        }
        Process stage = pb.start();
        try {
            new Frame(Protocol.F_HELLO, Frame.le(8).putInt(Protocol.MAGIC).putInt(Protocol.VERSION).array())
                .write(stage.getOutputStream());
            assertEquals(Protocol.F_HELLO, Frame.read(stage.getInputStream()).type());
            new Frame(Protocol.F_PROGRAM, p.encode()).write(stage.getOutputStream());
            Frame reply = Frame.read(stage.getInputStream());
            if (swap != null) {
                assertEquals(Protocol.F_PAUSED, reply.type(), "no pause");
                swap.run();
                Frame.of(Protocol.F_GO).write(stage.getOutputStream());
                stage.getOutputStream().flush();
                reply = Frame.read(stage.getInputStream());
            }
            Frame created = reply;
            assertEquals(Protocol.F_CREATED, created.type(), () -> "the stage failed: "
                + new String(created.payload(), 8, created.payload().length - 8));
            Map<String, String> mounts = new TreeMap<>();
            String root = dir.resolve("root").toString();
            for (String line : Files.readAllLines(Path.of("/proc/" + created.intValue() + "/mountinfo"))) {
                String[] f = line.split(" ");
                if (f[4].startsWith(root + "/")) {
                    mounts.put(f[4].substring(root.length()), flags(f));
                }
            }
            return mounts;
        } finally {
            stage.getOutputStream().close(); // the engine gone before the start: the stage abandons it
            assertTrue(stage.waitFor(10, TimeUnit.SECONDS));
        }
    }

    /** The per-mount flags among ro/rw, nosuid, nodev, noexec, and the propagation of one mountinfo line. */
    private static String flags(String[] f) {
        StringBuilder b = new StringBuilder();
        for (String o : f[5].split(",")) {
            if (o.equals("ro") || o.equals("rw") || o.equals("nosuid") || o.equals("nodev") || o.equals("noexec")) {
                b.append(b.isEmpty() ? "" : ",").append(o);
            }
        }
        String propagation = "private";
        for (int i = 6; !f[i].equals("-"); i++) {
            propagation = f[i].startsWith("shared:") ? "shared" : f[i].startsWith("master:") ? "slave" : f[i];
        }
        return b + " " + propagation;
    }
}
