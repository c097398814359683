package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10's "symlink races on bind-mount targets" (runc's CVE-2021-30465). The stage mounts
 * before pivot_root, on the container's root at its host path; a symlink on the way to a mount
 * target, in the image or in a volume that another container changes, must never send a mount,
 * a mkdir or a file for a bind out of that root. The oracle is a marker directory on the host,
 * beside the state root, that every link points at: nothing may ever appear in it. Where the
 * mount did land is checked from inside the container.
 */
class MountEscapeTest extends ContainerTestBase {
    private Path marker;
    /** The marker's path without its leading /: what a link to / leads to. */
    private String rel;
    private Path src;

    private void markerAndSource() throws Exception {
        marker = Files.createDirectory(berth.root().resolve("host-marker"));
        rel = marker.toString().substring(1);
        src = Files.createDirectory(berth.root().resolve("src"));
        Files.writeString(src.resolve("f"), "in\n");
    }

    private void assertMarkerEmpty() throws Exception {
        try (Stream<Path> s = Files.list(marker)) {
            assertEquals(List.of(), s.toList(), "something was made in the host's directory");
        }
        assertEquals(List.of(), Host.mountsUnder(marker), "a mount landed on the host's directory");
    }

    /** Targets behind links in the container's rootfs: absolute, a ../ chain, and / in the middle. */
    @Test
    void linksInTheRootfsLeadOnlyInsideIt() throws Exception {
        markerAndSource();
        Path copy = berth.root().resolve("rootfs");
        assertEquals(0, new ProcessBuilder("cp", "-a", Rootfs.busybox().toString(), copy.toString()).start().waitFor());
        Files.createSymbolicLink(copy.resolve("data"), marker.resolve("d"));
        Files.createSymbolicLink(copy.resolve("dev-link"), marker);
        Files.createSymbolicLink(copy.resolve("up"), Path.of("../".repeat(12)));
        Files.createDirectories(copy.resolve("a"));
        Files.createSymbolicLink(copy.resolve("a/b"), Path.of("/"));
        String out = berth.ok("run", "--rm", "--rootfs", copy.toString(),
            "-v", src + ":/data",                        // the target itself is an absolute link
            "-v", src + ":/up/" + rel + "/chain:ro",     // a ../ chain to the host's /
            "--tmpfs", "/a/b/" + rel + "/middle",        // / in the middle of the path
            "--device", "/dev/null:/dev-link/null",      // a file target (touch) through a link
            "/bin/sh", "-c", "cat " + marker + "/d/f " + marker + "/chain/f; grep -c ' " + marker + "/' /proc/self/mountinfo");
        assertEquals("in\nin\n4\n", out, "the four mounts, where the links lead inside the container");
        assertMarkerEmpty();
        for (String made : List.of("d", "chain", "middle", "null")) {
            assertTrue(Files.exists(copy.resolve(rel).resolve(made)), made + " was not made inside the rootfs");
        }
    }

    /**
     * A link that a container left in a shared volume: the engine cannot see it ahead of time
     * (the volume is mounted by the stage), so only the stage's lookup inside the root stands
     * between it and the host. On the host image and on an image's overlay.
     */
    @ParameterizedTest
    @ValueSource(strings = {"host", "busybox"})
    void aLinkInASharedVolumeLeadsOnlyInsideTheRoot(String image) throws Exception {
        markerAndSource();
        TestImage.load(berth.root());
        // the test image's entrypoint is echo: a shell as root instead
        berth.ok("run", "--rm", "-v", "shared:/shared", "-u", "0", "--entrypoint", "/bin/sh", "busybox", "-c",
            "ln -s / /shared/dir");
        String out = berth.ok("run", "--rm", "-v", "shared:/vol", "-v", src + ":/vol/dir/" + rel + "/x",
            "-u", "0", "--entrypoint", "/bin/sh", image, "-c", "cat " + marker + "/x/f");
        assertEquals("in\n", out);
        assertMarkerEmpty();
    }

    /**
     * The CVE's setup: one container flips a directory in a shared volume between a directory
     * and a link to / in a tight loop, while another container is started again and again with
     * a bind mount whose target is inside that directory. Each start mounts inside its root
     * (in the volume, or through the link into its own rootfs) or fails with one clear line;
     * both kinds of lookup (openat2, and the component walk of older kernels) are run.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aRacingLinkInASharedVolumeNeverLeadsOut(boolean openat2) throws Exception {
        markerAndSource();
        TestImage.load(berth.root());
        if (!openat2) {
            berth.env("BERTH_OPENAT2", "off");
        }
        Path copy = berth.root().resolve("rootfs");
        assertEquals(0, new ProcessBuilder("cp", "-a", Rootfs.busybox().toString(), copy.toString()).start().waitFor());
        String spin = "i=0; while [ $i -lt 200 ]; do i=$((i+1)); done";
        berth.ok("run", "-d", "--name", "flipper", "-v", "shared:/shared", "-u", "0", "--entrypoint", "/bin/sh",
            "busybox", "-c",
            "cd /shared; while :; do rm -rf dir; mkdir -p dir/" + rel + "; " + spin + "; rm -rf dir; ln -s / dir; "
                + spin + "; done");
        Path volume = Path.of(berth.ok("volume", "inspect", "-f", "{{.Mountpoint}}", "shared").strip());
        int started = 0;
        int refused = 0;
        String refusal = "";
        boolean throughLink = false;
        boolean inVolume = false;
        // 16 starts at least, more (up to 64) until one has met the link: the race is timing, not a given
        for (int i = 0; i < 64 && (i < 16 || !throughLink); i++) {
            Berth.Result r = berth.run("run", "--rm", "--rootfs", copy.toString(), "-v", "shared:/vol",
                "-v", src + ":/vol/dir/" + rel + "/x" + i, "/bin/true");
            if (r.code() == 0) {
                started++;
            } else {
                refused++;
                String err = r.err().strip();
                assertTrue(err.startsWith("berth: ") && err.contains("(step ") && err.lines().count() == 1,
                    "start " + i + " failed without one clear line: " + r.err());
                refusal = err;
            }
            assertMarkerEmpty();
            throughLink |= Files.isDirectory(copy.resolve(rel).resolve("x" + i));
            inVolume |= Files.isDirectory(volume.resolve("dir").resolve(rel).resolve("x" + i));
        }
        String counts = started + " started, " + refused + " refused, through the link " + throughLink
            + ", in the volume " + inVolume + "; last refusal: " + refusal;
        assertTrue(started > 0, counts);
        assertTrue(throughLink, "no start met the link, so the race was not run: " + counts);
        System.out.println("race (" + (openat2 ? "openat2" : "walk") + "): " + counts);
    }

    /**
     * A read-only bind and a link swapped in between its steps. The bind's flags once took a
     * remount that looked its target up again: with the target's directory in a volume swapped
     * for a link to /dev meanwhile, the remount made the container's /dev read-only and the
     * bind stayed writable. A process on the host swaps the directory and the link
     * (renameat2 RENAME_EXCHANGE, as fast as it can) while a container is started again and
     * again with {@code -v SRC:/vol/dir:ro}; in each one the kernel's mountinfo must show every
     * mount of SRC read-only, wherever it landed. {@code -Dberth.test.mountApi=off} runs the
     * old way, which fails.
     */
    @Test
    void aReadOnlyBindStaysReadOnlyWhenALinkIsSwappedInBetween() throws Exception {
        Path bindSrc = Files.createDirectory(berth.root().resolve("bindsrc"));
        berth.env("BERTH_MOUNT_API", System.getProperty("berth.test.mountApi", "on"));
        Path copy = berth.root().resolve("rootfs");
        assertEquals(0, new ProcessBuilder("cp", "-a", Rootfs.busybox().toString(), copy.toString()).start().waitFor());
        berth.ok("volume", "create", "shared");
        Path volume = Path.of(berth.ok("volume", "inspect", "-f", "{{.Mountpoint}}", "shared").strip());
        Files.createDirectory(volume.resolve("dir"));
        Files.createSymbolicLink(volume.resolve("swap"), Path.of("/dev"));
        Process swapper = new ProcessBuilder("python3", "-c", """
            import ctypes, os, sys
            libc = ctypes.CDLL(None, use_errno=True)
            os.chdir(sys.argv[1])
            while True:
                libc.renameat2(-100, b"dir", -100, b"swap", 2)  # AT_FDCWD, RENAME_EXCHANGE
            """, volume.toString()).redirectErrorStream(true).start();
        int started = 0;
        int refused = 0;
        int onTheLink = 0;
        String refusal = "";
        try {
            for (int i = 0; i < 64 && (i < 16 || onTheLink == 0); i++) {
                Berth.Result r = berth.run("run", "--rm", "--rootfs", copy.toString(), "-v", "shared:/vol",
                    "-v", bindSrc + ":/vol/dir:ro", "/bin/grep", "bindsrc", "/proc/self/mountinfo");
                assertTrue(swapper.isAlive(), "the swapper stopped");
                if (r.code() != 0) {
                    refused++;
                    String err = r.err().strip();
                    assertTrue(err.startsWith("berth: ") && err.contains("(step ") && err.lines().count() == 1,
                        "start " + i + " failed without one clear line: " + r.err());
                    refusal = err;
                    continue;
                }
                started++;
                List<String> lines = r.out().lines().toList();
                assertFalse(lines.isEmpty(), "start " + i + ": no mount of the source");
                for (String line : lines) {
                    String[] f = line.split(" ");
                    assertTrue(f[5].equals("ro") || f[5].startsWith("ro,"), "start " + i + ": a writable bind: " + line);
                    onTheLink += f[4].equals("/dev") ? 1 : 0;
                }
            }
        } finally {
            swapper.destroyForcibly().waitFor();
        }
        String counts = started + " started, " + refused + " refused, " + onTheLink + " bound through the link;"
            + " last refusal: " + refusal;
        assertTrue(started > 0, counts);
        assertTrue(onTheLink > 0, "no start met the link, so the race was not run: " + counts);
        System.out.println("bind race: " + counts);
    }
}
