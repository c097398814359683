package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.image.TarEntry;
import dev.berth.image.TarReader;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code berth diff}, {@code commit} and {@code export} on the offline busybox image
 * ({@link TestImage}): a container writes, overwrites, deletes, hard-links and replaces a
 * directory (an opaque one in its upper directory); its diff lists exactly that, the committed
 * image runs with the changes and without the deleted files, skopeo and umoci read it once
 * saved and umoci's unpack equals the container's files, and the export equals what the
 * container itself sees through /proc/PID/root, file by file and byte by byte.
 */
class CommitTest extends ContainerTestBase {
    /** Everything a container may change in its image, then a mark in /dev/shm (a tmpfs: not a change). */
    private static final String CHANGES = "echo new > /added && ln /added /added2 && echo over > /data/file"
        + " && rm /bin/vi && rm -rf /home && mkdir -p /home/new && chown 1000:50 /home/new"
        + " && touch /dev/shm/ready && exec sleep 60";
    /** What the image's (docker's) rules make of CHANGES. */
    private static final String DIFF = """
        A /added
        A /added2
        C /bin
        D /bin/vi
        C /data/file
        C /home
        A /home/new
        D /home/other
        """;
    /** What berth puts into a container's root and docker into its init layer: exported, never committed. */
    private static final Set<String> MOUNT_POINTS = Set.of("etc/hosts", "etc/hostname", "etc/resolv.conf");
    private Path work;

    @BeforeEach
    void load() throws Exception {
        TestImage.load(berth.root());
        work = Files.createTempDirectory("berth-commit");
    }

    @AfterEach
    void removeWork() throws Exception {
        if (work != null) {
            new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
        }
    }

    private String changed(String... flags) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("run", "-d", "-u", "0"));
        args.addAll(List.of(flags));
        args.addAll(List.of("--entrypoint", "/bin/sh", "busybox", "-c", CHANGES));
        String id = berth.ok(args.toArray(String[]::new)).strip();
        long pid = Host.pid(berth, id);
        if (pid == 0) {
            throw new AssertionError("the container exited: " + berth.run("logs", id));
        }
        Host.awaitFile(pid, "/dev/shm/ready");
        return id;
    }

    @Test
    void aCommittedImageHasTheContainersChangesAndPeersReadIt() throws Exception {
        String id = changed();
        assertEquals(DIFF, berth.ok("diff", id));
        String imageId = berth.ok("commit", "-a", "Ann <ann@example.org>", "-m", "the changes",
            "-c", "ENV COMMITTED=yes", "-c", "ENTRYPOINT [\"/bin/cat\"]", "-c", "CMD [\"/added\"]", id, "committed:v1").strip();
        assertTrue(imageId.matches("sha256:[0-9a-f]{64}"), imageId);
        // paused while committing (docker's default), running again afterwards
        assertEquals("running false", berth.ok("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", id).strip());
        assertEquals(imageId, berth.ok("image", "inspect", "-f", "{{.Id}}", "committed:v1").strip());

        // the image runs with the changes, the deleted files gone, the config of the container and the changes
        assertEquals("new\n", berth.ok("run", "--rm", "committed:v1"));
        assertEquals("over\nno vi\nnew\n2\n1000:50\nyes image\n0 /data\n", berth.ok("run", "--rm", "--entrypoint", "/bin/sh",
            "committed:v1", "-c", "cat /data/file; test -e /bin/vi || echo no vi; ls /home; stat -c %h /added;"
                + " stat -c %u:%g /home/new; echo $COMMITTED $FOO; echo $(id -u) $(pwd)"));
        Map<String, Object> img = Json.parseObject(berth.ok("image", "inspect", imageId)
            .strip().replaceFirst("^\\[", "").replaceFirst("]$", ""));
        assertEquals("Ann <ann@example.org>", img.get("Author"));
        assertEquals("the changes", img.get("Comment"));
        String env = String.valueOf(Json.map(img, "Config").get("Env"));
        assertTrue(env.contains("COMMITTED=yes") && env.contains("FOO=image"), env);
        assertFalse(env.contains("HOSTNAME="), "the runtime's HOSTNAME is not the image's: " + env);
        assertEquals(3, ((List<?>) Json.map(img, "RootFS").get("Layers")).size(), "the image's two layers and one more");
        String history = berth.ok("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Comment}}", "committed:v1");
        assertTrue(history.startsWith("-c " + CHANGES + "|the changes\n"), history);

        // saved, skopeo reads it and umoci unpacks it: the same files as the container has (its mount points aside)
        Path saved = work.resolve("saved.tar");
        berth.ok("save", "-o", saved.toString(), "committed:v1");
        Map<String, Object> inspected = Json.parseObject(sh("skopeo", "inspect", "docker-archive:" + saved + ":committed:v1"));
        assertEquals(3, ((List<?>) inspected.get("Layers")).size());
        assertEquals(img.get("Id"), "sha256:" + sha256(sh("skopeo", "inspect", "--config", "--raw",
            "docker-archive:" + saved + ":committed:v1").getBytes()));
        Path oci = work.resolve("oci");
        sh("skopeo", "copy", "--quiet", "docker-archive:" + saved + ":committed:v1", "oci:" + oci + ":x");
        Path bundle = work.resolve("bundle");
        sh("umoci", "unpack", "--image", oci + ":x", bundle.toString());
        Path exported = work.resolve("export.tar");
        berth.ok("export", "-o", exported.toString(), id);
        Map<String, String> export = tarFiles(exported);
        Map<String, String> umoci = treeFiles(bundle.resolve("rootfs"), Set.of());
        Map<String, String> expected = new TreeMap<>(export);
        expected.keySet().removeAll(MOUNT_POINTS);
        assertEquals(expected, umoci);
        assertFalse(umoci.containsKey("bin/vi"));
        berth.ok("rm", "-f", id);
    }

    @Test
    void anExportIsWhatTheContainerSeesAndStaysTheSameOnceItStopped() throws Exception {
        String id = changed();
        Path root = Path.of("/proc/" + Host.pid(berth, id) + "/root/."); // "/.": into the link
        Path running = work.resolve("running.tar");
        berth.ok("export", "-o", running.toString(), id);
        Map<String, String> export = tarFiles(running);
        // every file as the container sees it, except what is mounted over its files
        Set<String> mounted = Set.of("proc", "sys", "dev");
        Map<String, String> seen = treeFiles(root, mounted);
        for (String m : mounted) { // a file system's root over the image's directory
            assertTrue(export.get(m).startsWith("d "), m);
            seen.put(m, export.get(m));
        }
        for (String m : MOUNT_POINTS) { // bind mounts of the container's own files: there, but their content is elsewhere
            assertTrue(export.containsKey(m), m);
            assertEquals("f 644 0 0 0", export.get(m));
            seen.put(m, export.get(m));
        }
        assertEquals(seen, export);
        assertTrue(export.containsKey("bin/busybox") && export.containsKey("added") && !export.containsKey("bin/vi"));
        assertEquals("h added", export.get("added2"), "a hard link stays one");
        // the bytes too
        try (InputStream in = Files.newInputStream(running)) {
            TarReader tar = new TarReader(in);
            int files = 0;
            for (TarEntry e = tar.next(); e != null; e = tar.next()) {
                if (e.type == TarEntry.FILE && !MOUNT_POINTS.contains(e.name)) {
                    assertArrayEquals(Files.readAllBytes(root.resolve(e.name)), tar.content().readAllBytes(), e.name);
                    files++;
                }
            }
            assertTrue(files > 3, "files compared: " + files);
        }
        // stopped: the same tree, read from the same layers and upper directory
        berth.ok("stop", "-t", "0", id);
        Path stopped = work.resolve("stopped.tar");
        berth.ok("export", "-o", stopped.toString(), id);
        assertEquals(export, tarFiles(stopped));
        assertEquals(DIFF, berth.ok("diff", id), "a stopped container's changes");
        // to stdout when it is not a terminal
        Process p = new ProcessBuilder(berth.command("export", id)).redirectOutput(work.resolve("stdout.tar").toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertEquals(0, p.waitFor());
        assertEquals(export, tarFiles(work.resolve("stdout.tar")));
        berth.ok("rm", id);
    }

    @Test
    void aUserNamespaceContainerCommitsTheImagesOwnIds() throws Exception {
        String id = changed("--userns", "private");
        long base = Long.parseLong(berth.ok("inspect", "-f", "{{.HostConfig.UidMap}}", id).strip().split(" ")[1]);
        assertNotEquals(0, base);
        Path upper = Path.of(berth.ok("inspect", "-f", "{{.GraphDriver.Data.UpperDir}}", id).strip());
        assertEquals(base, ((Number) Files.getAttribute(upper.resolve("added"), "unix:uid")).longValue(), "shifted on disk");
        assertEquals(base + 1000, ((Number) Files.getAttribute(upper.resolve("home/new"), "unix:uid")).longValue());
        assertEquals(DIFF, berth.ok("diff", id), "the opaque directory is read from user.overlay.opaque");
        berth.ok("commit", id, "userns:v1");
        berth.ok("rm", "-f", id);
        // the image has the namespace's ids: a container without a user namespace sees them as they were inside
        assertEquals("0:0\n1000:50\n0:0\nnew\n", berth.ok("run", "--rm", "--entrypoint", "/bin/sh", "userns:v1", "-c",
            "stat -c %u:%g /added /home/new /bin/busybox; ls /home"));
        Path saved = work.resolve("userns.tar");
        berth.ok("save", "-o", saved.toString(), "userns:v1");
        Path oci = work.resolve("oci");
        sh("skopeo", "copy", "--quiet", "docker-archive:" + saved + ":userns:v1", "oci:" + oci + ":x");
        Path bundle = work.resolve("bundle");
        sh("umoci", "unpack", "--image", oci + ":x", bundle.toString());
        assertEquals(0, Files.getAttribute(bundle.resolve("rootfs/added"), "unix:uid"));
        assertEquals(1000, Files.getAttribute(bundle.resolve("rootfs/home/new"), "unix:uid"));
    }

    @Test
    void theCopyFallbackGivesTheSameDiffAndCommit() throws Exception {
        berth.env("BERTH_SNAPSHOTTER", "copy");
        String id = changed();
        assertEquals("vfs", berth.ok("inspect", "-f", "{{.GraphDriver.Name}}", id).strip());
        assertEquals(DIFF, berth.ok("diff", id));
        berth.ok("commit", "-p=false", id, "copied");
        assertEquals("running false", berth.ok("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", id).strip());
        assertEquals("over\nno vi\nnew\n", berth.ok("run", "--rm", "--entrypoint", "/bin/sh", "copied", "-c",
            "cat /data/file; test -e /bin/vi || echo no vi; ls /home"));
        // the flattened tree it was compared with is not held once the commit is done
        try (var s = Files.list(berth.root().resolve("images/layers/users"))) {
            assertEquals(List.of(), s.map(x -> x.getFileName().toString()).filter(n -> !n.startsWith(".")).toList());
        }
        Path exported = work.resolve("copy.tar");
        berth.ok("export", "-o", exported.toString(), id);
        assertEquals(treeFiles(Path.of("/proc/" + Host.pid(berth, id) + "/root/."), Set.of("proc", "sys", "dev"))
            .keySet(), tarFiles(exported).keySet());
        berth.ok("rm", "-f", id);
    }

    @Test
    void aContainerThatChangedNothingAddsNoLayer() throws Exception {
        String id = berth.ok("run", "-d", "--entrypoint", "/bin/sleep", "busybox", "60").strip();
        assertEquals("", berth.ok("diff", id), "berth's mount points are no change");
        berth.ok("commit", id, "same");
        assertEquals(2, berth.ok("image", "inspect", "-f", "{{len .RootFS.Layers}}", "same").strip().equals("2") ? 2 : -1);
        String history = berth.ok("history", "--format", "{{.Size}}", "same");
        assertEquals("0B", history.lines().findFirst().orElseThrow(), history);
        berth.ok("rm", "-f", id);
    }

    @Test
    void badInputIsOneLineAndDockersExitCode() throws Exception {
        assertOneLine(berth.run("commit", "nosuch"), 1, "berth: no such container: nosuch");
        assertOneLine(berth.run("diff", "nosuch"), 1, "berth: no such container: nosuch");
        assertOneLine(berth.run("export", "-o", work.resolve("x.tar").toString(), "nosuch"), 1,
            "berth: no such container: nosuch");
        assertFalse(Files.exists(work.resolve("x.tar")), "no archive for a failed export");
        String id = berth.ok("run", "-d", "--entrypoint", "/bin/sleep", "busybox", "60").strip();
        Berth.Result bad = berth.run("commit", id, "Bad/Name");
        assertEquals(1, bad.code());
        assertTrue(bad.err().startsWith("berth: invalid reference format") && bad.err().strip().lines().count() == 1, bad.err());
        Berth.Result badChange = berth.run("commit", "-c", "RUN true", id);
        assertEquals(1, badChange.code());
        assertEquals(1, badChange.err().strip().lines().count(), badChange.err());
        assertEquals("running false", berth.ok("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", id).strip(),
            "a failed commit thaws the container");
        assertEquals(1, berth.run("commit").code());
        assertEquals(1, berth.run("commit", id, "a", "b").code());
        assertEquals(125, berth.run("commit", "-p=maybe", id).code());
        assertEquals(125, berth.run("export", "--nope", id).code());
        String host = berth.ok("run", "-d", "host", "sleep", "60").strip();
        Berth.Result onHost = berth.run("export", "-o", work.resolve("h.tar").toString(), host);
        assertEquals(1, onHost.code());
        assertTrue(onHost.err().contains("built-in host image"), onHost.err());
        assertEquals(1, berth.run("diff", host).code());
        assertEquals(1, berth.run("commit", host).code());
        assertEquals("busybox:latest\n", berth.ok("images", "--format", "{{.Repository}}:{{.Tag}}"), "nothing was made");
        berth.ok("rm", "-f", id, host);
    }

    private static void assertOneLine(Berth.Result r, int code, String err) {
        assertEquals(code, r.code(), r.err());
        assertEquals(err, r.err().strip());
    }

    /** Each entry of a tar: "TYPE MODE UID GID SIZE" or a link's target, by name without a trailing slash. */
    static Map<String, String> tarFiles(Path tar) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (InputStream in = Files.newInputStream(tar)) {
            TarReader r = new TarReader(in);
            for (TarEntry e = r.next(); e != null; e = r.next()) {
                String name = e.name.endsWith("/") ? e.name.substring(0, e.name.length() - 1) : e.name;
                String d = switch (e.type) {
                    case TarEntry.DIR -> "d " + mode(e.mode) + " " + e.uid + " " + e.gid;
                    case TarEntry.SYMLINK -> "l " + e.linkName;
                    case TarEntry.HARDLINK -> "h " + e.linkName;
                    case TarEntry.FILE -> "f " + mode(e.mode) + " " + e.uid + " " + e.gid + " " + e.size;
                    default -> e.type + " " + mode(e.mode);
                };
                out.put(name, d);
            }
        }
        return out;
    }

    /**
     * The same description of a directory tree, {@code skipBelow} not entered; of the names of
     * one inode the first in byte order is the file and the others "h FIRST", as tar writes them.
     */
    static Map<String, String> treeFiles(Path root, Set<String> skipBelow) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Map<Object, String> first = new java.util.HashMap<>();
        Map<String, Object> keys = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String rel = root.relativize(dir).toString();
                if (!rel.isEmpty()) {
                    out.put(rel, "d " + mode(dir) + " " + owner(dir));
                }
                return skipBelow.contains(rel) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                String rel = root.relativize(f).toString();
                if (attrs.isSymbolicLink()) {
                    out.put(rel, "l " + Files.readSymbolicLink(f));
                } else if (attrs.isRegularFile()) {
                    out.put(rel, "f " + mode(f) + " " + owner(f) + " " + attrs.size());
                    if ((Integer) Files.getAttribute(f, "unix:nlink") > 1) {
                        keys.put(rel, attrs.fileKey());
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        for (Map.Entry<String, Object> e : keys.entrySet()) { // in name order
            String f = first.putIfAbsent(e.getValue(), e.getKey());
            if (f != null) {
                out.put(e.getKey(), "h " + f);
            }
        }
        return out;
    }

    private static String mode(int m) {
        return Integer.toOctalString(m & 07777);
    }

    private static String mode(Path p) throws IOException {
        return mode((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS));
    }

    private static String owner(Path p) throws IOException {
        return Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) + " "
            + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    private static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
