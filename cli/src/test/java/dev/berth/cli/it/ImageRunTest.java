package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.image.ImageRef;
import dev.berth.image.ImageStore;
import dev.berth.image.Platform;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code berth run IMAGE} on the offline busybox image ({@link TestImage}), checked from
 * outside: the container's mount table and the host's, the upper and lower directories on
 * disk, inode numbers, owners, and what the image's config makes the container do.
 */
class ImageRunTest extends ContainerTestBase {
    private static final String SLEEPER = "echo written > /written; exec sleep 60";

    @BeforeEach
    void load() throws Exception {
        TestImage.load(berth.root());
    }

    private Path layers() {
        return berth.root().resolve("images/layers");
    }

    private String field(String id, String template) throws Exception {
        return berth.ok("inspect", "-f", template, id).strip();
    }

    /** The fields of the container's root mount in its own mount table: fs type and super options. */
    private static String[] rootMount(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo"))) {
            String[] f = line.split(" ");
            if (f[4].equals("/")) {
                int dash = List.of(f).indexOf("-");
                return new String[] {f[dash + 1], f[dash + 3]};
            }
        }
        throw new AssertionError("no root mount in /proc/" + pid + "/mountinfo");
    }

    @Test
    void rmiIsRefusedWhileAContainerUsesTheImageAndThenTakesItsLayers() throws Exception {
        berth.ok("run", "-d", "--name", "c", "busybox", "sleep", "60");
        Berth.Result refused = berth.run("rmi", "busybox");
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("is using its referenced image"), refused.err());
        assertEquals("busybox:latest", berth.ok("images", "--format", "{{.Repository}}:{{.Tag}}").strip());
        try (var s = Files.list(layers())) {
            assertTrue(s.anyMatch(p -> !p.getFileName().toString().startsWith(".")
                && !List.of("tmp", "users").contains(p.getFileName().toString())), "layers unpacked");
        }
        berth.ok("rm", "-f", "c");
        String out = berth.ok("rmi", "busybox");
        assertTrue(out.contains("Untagged: busybox:latest") && out.contains("Deleted: sha256:"), out);
        try (var s = Files.list(berth.root().resolve("images/blobs/sha256"))) {
            assertEquals(0, s.count(), "blobs left");
        }
        assertEquals(List.of(), Snapshots(), "unpacked layers left");
    }

    private List<String> Snapshots() throws Exception {
        List<String> out = new java.util.ArrayList<>();
        try (var s = Files.list(layers())) {
            s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".") && !n.equals("tmp")
                && !n.equals("users") && !n.endsWith(".lock")).forEach(out::add);
        }
        return out;
    }

    @Test
    void anImageRunsOnAnOverlayMountedInsideItsContainerWithSharedLowerLayers() throws Exception {
        String id = berth.ok("run", "-d", "-u", "0", "--entrypoint", "/bin/sh", "busybox", "-c", SLEEPER).strip();
        String id2 = berth.ok("run", "-d", "-u", "0", "--entrypoint", "/bin/sh", "busybox", "-c", SLEEPER).strip();
        long pid = Host.pid(berth, id);
        long pid2 = Host.pid(berth, id2);
        Path dir = berth.root().resolve("containers").resolve(id);
        // the overlay is the container's root in its own mount namespace, and nowhere on the host
        String[] root = rootMount(pid);
        assertEquals("overlay", root[0]);
        assertTrue(root[1].contains("upperdir=" + dir.resolve("overlay/upper")), root[1]);
        assertTrue(root[1].contains("lowerdir=" + layers()), root[1]);
        assertEquals(List.of(), Host.mountsUnder(berth.root()), "an overlay on the host");
        // docker's fields
        ImageStore store = ImageStore.open(berth.root());
        String imageId = store.image(ImageRef.parse("busybox"), Platform.current()).id().toString();
        assertEquals(imageId, field(id, "{{.Image}}"));
        assertEquals("busybox", field(id, "{{.Config.Image}}"));
        assertEquals("overlay", field(id, "{{.GraphDriver.Name}}"));
        assertEquals(dir.resolve("overlay/upper").toString(), field(id, "{{.GraphDriver.Data.UpperDir}}"));
        assertEquals(dir.resolve("overlay/work").toString(), field(id, "{{.GraphDriver.Data.WorkDir}}"));
        assertEquals(dir.resolve("merged").toString(), field(id, "{{.GraphDriver.Data.MergedDir}}"));
        List<String> lowers = List.of(field(id, "{{.GraphDriver.Data.LowerDir}}").split(":"));
        assertEquals(2, lowers.size());
        assertEquals(lowers, List.of(field(id2, "{{.GraphDriver.Data.LowerDir}}").split(":")));
        assertEquals("busybox\nbusybox\n", berth.ok("ps", "--format", "{{.Image}}"));
        // what the container wrote is in its upper directory, not in a shared layer
        for (int i = 0; i < 100 && !Files.exists(dir.resolve("overlay/upper/written")); i++) {
            Thread.sleep(20);
        }
        assertEquals("written\n", Files.readString(dir.resolve("overlay/upper/written")));
        for (String lower : lowers) {
            assertFalse(Files.exists(Path.of(lower, "written")), lower);
        }
        // both containers read the same file of the same lower directory (same inode)
        Path bottom = Path.of(lowers.get(1));
        Object ino = Files.getAttribute(bottom.resolve("bin/busybox"), "unix:ino");
        assertEquals(ino, Files.getAttribute(Path.of("/proc/" + pid + "/root/bin/busybox"), "unix:ino"));
        assertEquals(ino, Files.getAttribute(Path.of("/proc/" + pid2 + "/root/bin/busybox"), "unix:ino"));
        // the second layer's whiteout and replaced directory
        assertTrue(Files.exists(bottom.resolve("bin/notexec")));
        assertFalse(Files.exists(Path.of("/proc/" + pid + "/root/bin/notexec")));
        assertFalse(Files.exists(Path.of("/proc/" + pid + "/root/home/user")));
        assertTrue(Files.isDirectory(Path.of("/proc/" + pid + "/root/home/other")));
        assertEquals("layer2\n", berth.ok("exec", id, "cat", "/data/file"));
        // a snapshot in use is not removed
        berth.ok("rm", "-f", id, id2);
        assertFalse(Files.exists(dir), "the container's directory (upper and work) is gone");
        try (Stream<Path> s = Files.list(layers().resolve("users"))) {
            assertEquals(0, s.count(), "the removed containers still hold their layers");
        }
        // the next run reuses the unpacked layers: nothing is unpacked again
        berth.ok("run", "--rm", "-u", "0", "--entrypoint", "/bin/true", "busybox");
        assertEquals(ino, Files.getAttribute(bottom.resolve("bin/busybox"), "unix:ino"));
    }

    @Test
    void theImageConfigIsAppliedAndTheFlagsOverrideIt() throws Exception {
        assertEquals("ep default\n", berth.ok("run", "--rm", "busybox"));
        assertEquals("ep a b\n", berth.ok("run", "--rm", "busybox", "a", "b"));
        String probe = "echo $FOO $BAR $(pwd) $(id -u) $(id -g) $HOME";
        assertEquals("image image /data 1000 1000 /home/user\n",
            berth.ok("run", "--rm", "--entrypoint", "/bin/sh", "busybox", "-c", probe));
        assertEquals("flag image /tmp 0 0 /root\n", berth.ok("run", "--rm", "-e", "FOO=flag", "-w", "/tmp", "-u", "root",
            "--entrypoint", "/bin/sh", "busybox", "-c", probe));
        assertEquals("x\n", berth.ok("run", "--rm", "--entrypoint", "", "busybox", "/bin/echo", "x"));
        // --entrypoint drops the image's Cmd: nothing is passed to it
        assertEquals("\n", berth.ok("run", "--rm", "--entrypoint", "/bin/echo", "busybox"));
        berth.ok("run", "-d", "--name", "c", "-l", "b=flag", "-l", "c=flag", "busybox");
        assertEquals("map[a:image b:flag c:flag]", field("c", "{{.Config.Labels}}"));
        assertEquals("map[8080/tcp:map[]]", field("c", "{{.Config.ExposedPorts}}"));
        assertEquals("[/bin/echo ep] [default] SIGUSR1 user /data", field("c",
            "{{.Config.Entrypoint}} {{.Config.Cmd}} {{.Config.StopSignal}} {{.Config.User}} {{.Config.WorkingDir}}"));
        assertEquals("/bin/echo [ep default]", field("c", "{{.Path}} {{.Args}}"));
        assertTrue(field("c", "{{json .Config.Env}}").contains("\"FOO=image\""));
        berth.ok("rm", "-f", "c");
        // a missing image: docker's message with the way out, exit 125, nothing made
        Berth.Result missing = berth.run("run", "--rm", "nosuch");
        assertEquals(125, missing.code());
        assertTrue(missing.err().contains("unable to find image 'nosuch:latest' locally"), missing.err());
        assertTrue(missing.err().contains("berth pull") && missing.err().contains("berth load"), missing.err());
        assertEquals(125, berth.run("run", "--rm", "--stop-signal", "NOPE", "busybox").code());
        // failed runs leave nothing: no container directory (the base class checks), no use of a layer
        assertEquals(127, berth.run("run", "--rm", "--entrypoint", "/nope", "busybox").code());
        assertEquals(125, berth.run("run", "--rm", "-u", "nosuchuser", "busybox").code());
        assertEquals(125, berth.run("run", "--rm", "-v", "/tmp:relative", "busybox").code());
        try (Stream<Path> s = Files.list(layers().resolve("users"))) {
            assertEquals(0, s.count(), "a failed run still holds its layers");
        }
    }

    @Test
    void stopSendsTheImagesStopSignalUnlessTheFlagNamesAnother() throws Exception {
        String trap = "trap 'exit 7' USR1; trap 'exit 8' INT; while :; do sleep 0.1; done";
        String id = berth.ok("run", "-d", "--entrypoint", "/bin/sh", "busybox", "-c", trap).strip();
        String id2 = berth.ok("run", "-d", "--stop-signal", "SIGINT", "--entrypoint", "/bin/sh", "busybox", "-c", trap).strip();
        Thread.sleep(300); // the traps are set
        long t0 = System.nanoTime();
        berth.ok("stop", "-t", "20", id, id2);
        assertTrue(System.nanoTime() - t0 < 15_000_000_000L, "stop had to kill");
        assertEquals("7", field(id, "{{.State.ExitCode}}"), "SIGUSR1, the image's StopSignal");
        assertEquals("8", field(id2, "{{.State.ExitCode}}"), "SIGINT, --stop-signal");
        berth.ok("rm", id, id2);
    }

    @Test
    void aUserNamespaceContainerRunsOnLayersShiftedToItsRoot() throws Exception {
        String id = berth.ok("run", "-d", "--userns", "private", "-u", "0", "--entrypoint", "/bin/sh", "busybox", "-c",
            SLEEPER).strip();
        long base = Long.parseLong(field(id, "{{.HostConfig.UidMap}}").split(" ")[1]);
        assertNotEquals(0, base);
        Path dir = berth.root().resolve("containers").resolve(id);
        Path written = dir.resolve("overlay/upper/written");
        for (int i = 0; i < 100 && !Files.exists(written); i++) {
            Thread.sleep(20);
        }
        assertEquals(base, ((Number) Files.getAttribute(written, "unix:uid")).longValue(), "written by the shifted root");
        assertEquals(base, ((Number) Files.getAttribute(dir.resolve("overlay/upper"), "unix:uid")).longValue());
        List<String> lowers = List.of(field(id, "{{.GraphDriver.Data.LowerDir}}").split(":"));
        for (String l : lowers) {
            assertTrue(l.endsWith("-" + base + "-" + base + "-ux/fs"), l);
        }
        Path bottom = Path.of(lowers.get(1));
        assertEquals(base, ((Number) Files.getAttribute(bottom.resolve("bin/busybox"), "unix:uid")).longValue());
        Path top = Path.of(lowers.get(0));
        assertEquals(base + 1000, ((Number) Files.getAttribute(top.resolve("data"), "unix:uid")).longValue());
        assertEquals("userxattr", List.of(rootMount(Host.pid(berth, id))[1].split(",")).stream()
            .filter("userxattr"::equals).findFirst().orElse("none"));
        // inside, the image's owners are what they were
        assertEquals("0 0 1000\n", berth.ok("exec", id, "sh", "-c", "stat -c '%u %g' /data/file | tr '\\n' ' '; stat -c %u /data"));
        berth.ok("rm", "-f", id);
        assertFalse(Files.exists(dir));
        // a state root the shifted root cannot pass through: said before any mount, no fallback
        Files.setPosixFilePermissions(berth.root(), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        try {
            Berth.Result r = berth.run("run", "--rm", "--userns", "private", "busybox", "true");
            assertEquals(125, r.code());
            assertTrue(r.err().contains("cannot pass through " + berth.root() + " (mode 700): chmod o+x"), r.err());
        } finally {
            Files.setPosixFilePermissions(berth.root(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        try (Stream<Path> s = Files.list(layers())) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("overlay-refused")));
        }
    }

    @Test
    void theCopyFallbackGivesAContainerAFullCopyOfTheImage() throws Exception {
        berth.env("BERTH_SNAPSHOTTER", "copy");
        String id = berth.ok("run", "-d", "-u", "0", "--entrypoint", "/bin/sh", "busybox", "-c", SLEEPER).strip();
        Path rootfs = berth.root().resolve("containers").resolve(id).resolve("rootfs");
        assertEquals("vfs " + rootfs, field(id, "{{.GraphDriver.Name}} {{.GraphDriver.Data.Dir}}"));
        assertNotEquals("overlay", rootMount(Host.pid(berth, id))[0]);
        for (int i = 0; i < 100 && !Files.exists(rootfs.resolve("written")); i++) {
            Thread.sleep(20);
        }
        assertEquals("written\n", Files.readString(rootfs.resolve("written")));
        assertFalse(Files.exists(rootfs.resolve("bin/notexec"), LinkOption.NOFOLLOW_LINKS), "the whiteout applied");
        assertEquals("layer2\n", Files.readString(rootfs.resolve("data/file")));
        assertEquals(1000, Files.getAttribute(rootfs.resolve("data"), "unix:uid"), "the image's owners kept");
        assertEquals(0, Files.getAttribute(rootfs.resolve("data/file"), "unix:uid"));
        assertEquals("image 1000\n", berth.ok("run", "--rm", "--entrypoint", "/bin/sh", "busybox", "-c", "echo $FOO $(id -u)"));
        // nothing of the store is held by a copy
        try (Stream<Path> s = Files.list(layers().resolve("users"))) {
            assertEquals(0, s.count());
        }
        berth.ok("rm", "-f", id);
        assertFalse(Files.exists(rootfs));
    }

    @Test
    void publishAllPublishesTheImagesExposedPorts() throws Exception {
        berth.inOwnNetns();
        String id = berth.ok("run", "-d", "--network", "bridge", "-P", "--entrypoint", "/bin/sleep", "busybox", "60").strip();
        String port = berth.ok("port", id, "8080").strip();
        assertTrue(port.startsWith("0.0.0.0:"), port);
        berth.ok("rm", "-f", id);
    }
}
