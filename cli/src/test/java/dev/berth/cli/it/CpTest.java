package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.image.TarEntry;
import dev.berth.image.TarReader;
import dev.berth.image.TarWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code berth cp}: docker cp's path rules both ways, on running and stopped containers of every
 * kind of root (an image's overlay, a copy, a --rootfs directory, the host image), into volumes,
 * ownership with and without -a (also under --userns), tars on stdin and stdout, and refusals
 * that leave nothing behind.
 */
class CpTest extends ContainerTestBase {
    Path local;

    /** A tree: a 0640 file owned 1234:2345, a symlink to it, a hard link to it, a subdirectory. */
    private Path tree() throws IOException {
        local = Files.createDirectory(berth.root().resolve("local"));
        Path d = Files.createDirectory(local.resolve("dir"));
        Path a = Files.writeString(d.resolve("a"), "alpha\n");
        Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rw-r-----"));
        Files.setAttribute(a, "unix:uid", 1234);
        Files.setAttribute(a, "unix:gid", 2345);
        Files.createSymbolicLink(d.resolve("l"), Path.of("a"));
        Files.createLink(d.resolve("h"), a);
        Files.createDirectories(d.resolve("sub"));
        Files.writeString(d.resolve("sub/b"), "beta\n");
        return d;
    }

    private boolean loaded;

    private String image(String name, String... extra) throws Exception {
        if (!loaded) {
            TestImage.load(berth.root());
            loaded = true;
        }
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name));
        args.addAll(List.of(extra));
        args.addAll(List.of("--entrypoint", "/bin/sleep", "busybox", "300"));
        return berth.ok(args.toArray(String[]::new)).strip();
    }

    private String sh(String c, String script) throws Exception {
        return berth.ok("exec", "-u", "0", c, "/bin/sh", "-c", script);
    }

    @Test
    void runningImageContainerRoundTrips() throws Exception {
        Path d = tree();
        image("c");
        berth.ok("cp", d.toString(), "c:/tmp/");
        assertEquals("alpha\n|640 0 0|a|1", sh("c", "cat /tmp/dir/a; echo \"|$(stat -c '%a %u %g' /tmp/dir/a)|"
            + "$(readlink /tmp/dir/l)|$(ls -i /tmp/dir/a /tmp/dir/h | awk '{print $1}' | uniq | wc -l)\"").strip());
        assertEquals("beta", sh("c", "cat /tmp/dir/sub/b").strip());
        // -a keeps the owners; a missing destination becomes the directory, named as it
        berth.ok("cp", "-a", d.toString(), "c:/tmp/d2");
        assertEquals("1234 2345", sh("c", "stat -c '%u %g' /tmp/d2/a").strip());
        // SRC/. into an existing directory: the contents, not the directory
        sh("c", "mkdir /tmp/d3");
        berth.ok("cp", d + "/.", "c:/tmp/d3");
        assertEquals("a h l sub", sh("c", "ls /tmp/d3 | tr '\\n' ' '").strip());
        // out again: to a missing name, then into an existing directory
        berth.ok("cp", "c:/tmp/dir", local.resolve("out1").toString());
        Path out1 = local.resolve("out1");
        assertEquals("alpha\n", Files.readString(out1.resolve("a")));
        assertEquals("a", Files.readSymbolicLink(out1.resolve("l")).toString());
        assertEquals(Files.getAttribute(out1.resolve("a"), "unix:ino"), Files.getAttribute(out1.resolve("h"), "unix:ino"));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(out1.resolve("a"))));
        assertEquals(0, Files.getAttribute(out1.resolve("a"), "unix:uid"), "without -a: owned by the caller");
        berth.ok("cp", "c:/tmp/dir", out1.toString());
        assertEquals("beta\n", Files.readString(out1.resolve("dir/sub/b")));
        berth.ok("cp", "-a", "c:/tmp/d2/a", local.resolve("owned").toString());
        assertEquals(1234, Files.getAttribute(local.resolve("owned"), "unix:uid"));
        // a file over an existing file; -L copies a link's target, without it the link
        Files.writeString(local.resolve("existing"), "old");
        berth.ok("cp", "c:/tmp/dir/sub/b", local.resolve("existing").toString());
        assertEquals("beta\n", Files.readString(local.resolve("existing")));
        berth.ok("cp", "c:/tmp/dir/l", local.resolve("link").toString());
        assertTrue(Files.isSymbolicLink(local.resolve("link")));
        berth.ok("cp", "-L", "c:/tmp/dir/l", local.resolve("target").toString());
        assertEquals("alpha\n", Files.readString(local.resolve("target")));
        assertFalse(Files.isSymbolicLink(local.resolve("target")));
        // into a destination that is a symlink to a directory in the container: followed there
        sh("c", "ln -s /tmp/d3 /tmp/tod3");
        berth.ok("cp", local.resolve("existing").toString(), "c:/tmp/tod3");
        assertEquals("beta", sh("c", "cat /tmp/d3/existing").strip());
    }

    @Test
    void tarsOnStdinAndStdout() throws Exception {
        image("c");
        sh("c", "mkdir -p /srv/x && echo one > /srv/x/f && ln -s f /srv/x/s");
        Path tar = berth.root().resolve("out.tar");
        assertEquals(0, redirected(null, tar, "cp", "c:/srv/x", "-"));
        List<String> names = new ArrayList<>();
        try (var in = Files.newInputStream(tar)) {
            TarReader r = new TarReader(in);
            for (TarEntry e; (e = r.next()) != null; ) {
                names.add(e.toString());
            }
        }
        assertEquals(List.of("5 x/", "0 x/f", "2 x/s -> f"), names);
        Path upload = berth.root().resolve("in.tar");
        try (OutputStream o = Files.newOutputStream(upload); TarWriter w = new TarWriter(o)) {
            TarEntry dir = new TarEntry("up/", TarEntry.DIR);
            dir.mode = 0750;
            w.add(dir, null);
            TarEntry f = new TarEntry("up/g", TarEntry.FILE);
            f.size = 4;
            f.uid = 77;
            w.add(f, new ByteArrayInputStream("two\n".getBytes(StandardCharsets.UTF_8)));
        }
        assertEquals(0, redirected(upload, null, "cp", "-", "c:/srv"));
        assertEquals("two\n750 0\n", sh("c", "cat /srv/up/g; stat -c '%a %u' /srv/up"));
        assertEquals(0, redirected(upload, null, "cp", "-a", "-", "c:/srv/x"));
        assertEquals("77", sh("c", "stat -c %u /srv/x/up/g").strip());
        // stdin needs a directory
        Berth.Result r = berth.run("cp", "-", "c:/srv/x/f");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("destination \"c:/srv/x/f\" must be a directory"), r.err());
    }

    @Test
    void stoppedContainersOfEveryRoot() throws Exception {
        Path d = tree();
        // an overlay: the image's lower layer is read, a write lands in the upper directory
        String id = image("ov");
        berth.ok("stop", "-t", "0", "ov");
        berth.ok("cp", "ov:/data/file", local.resolve("lower").toString());
        assertEquals("layer2\n", Files.readString(local.resolve("lower")));
        berth.ok("cp", d.resolve("a").toString(), "ov:/data/");
        assertTrue(berth.ok("diff", "ov").contains("A /data/a"), berth.ok("diff", "ov"));
        assertEquals(List.of(), Host.mountsUnder(berth.root()), "the detached overlay left a mount");
        berth.ok("cp", "ov:/data/a", local.resolve("back").toString());
        assertEquals("alpha\n", Files.readString(local.resolve("back")));
        String upper = berth.ok("inspect", "-f", "{{.GraphDriver.Data.UpperDir}}", "ov").strip();
        assertEquals("alpha\n", Files.readString(Path.of(upper, "data/a")), "not in the container's upper directory");
        // a copy (vfs)
        berth.env("BERTH_SNAPSHOTTER", "copy");
        image("vfs");
        berth.ok("stop", "-t", "0", "vfs");
        berth.ok("cp", d.toString(), "vfs:/");
        String copy = berth.ok("inspect", "-f", "{{.GraphDriver.Data.Dir}}", "vfs").strip();
        assertEquals("alpha\n", Files.readString(Path.of(copy, "dir/a")));
        assertEquals("0", Files.getAttribute(Path.of(copy, "dir/a"), "unix:uid").toString());
        // a --rootfs directory (its own copy, so the shared busybox tree stays clean)
        Path rootfs = berth.root().resolve("rootfs");
        new ProcessBuilder("cp", "-a", busybox(), rootfs.toString()).start().waitFor(30, TimeUnit.SECONDS);
        berth.ok("run", "--name", "rf", "--rootfs", rootfs.toString(), "true");
        berth.ok("cp", d.resolve("a").toString(), "rf:/a-file");
        assertEquals("alpha\n", Files.readString(rootfs.resolve("a-file")));
        // the host image: its /etc lives only while it runs
        berth.ok("run", "-d", "--name", "h", "host", "sleep", "300");
        berth.ok("exec", "h", "sh", "-c", "echo private > /etc/berth-cp-test");
        berth.ok("cp", "h:/etc/berth-cp-test", local.resolve("private").toString());
        assertEquals("private\n", Files.readString(local.resolve("private")));
        assertFalse(Files.exists(Path.of("/etc/berth-cp-test")), "the host's /etc was written");
        berth.ok("stop", "-t", "0", "h");
        Berth.Result r = berth.run("cp", "h:/etc/hostname", local.resolve("x").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("built-in host image and is not running"), r.err());
        assertFalse(Files.exists(local.resolve("x")));
        assertTrue(id.length() == 64);
    }

    @Test
    void volumesOfARunningContainerAndUserns() throws Exception {
        Path d = tree();
        Path vol = Files.createDirectory(berth.root().resolve("vol"));
        Files.writeString(vol.resolve("there"), "from the host\n");
        image("c", "-v", vol + ":/mnt/vol");
        berth.ok("cp", d.resolve("a").toString(), "c:/mnt/vol/");
        assertEquals("alpha\n", Files.readString(vol.resolve("a")), "the copy did not reach the volume");
        berth.ok("cp", "c:/mnt/vol/there", local.resolve("there").toString());
        assertEquals("from the host\n", Files.readString(local.resolve("there")));
        // --userns private: the container's root is a shifted host uid
        image("u", "--userns", "private");
        berth.ok("cp", d.resolve("a").toString(), "u:/tmp/a");
        berth.ok("cp", "-a", d.resolve("a").toString(), "u:/tmp/b");
        assertEquals("0 0|1234 2345", sh("u", "echo \"$(stat -c '%u %g' /tmp/a)|$(stat -c '%u %g' /tmp/b)\"").strip());
        String map = berth.ok("inspect", "-f", "{{.HostConfig.UidMap}}", "u").strip();
        long shift = Long.parseLong(map.split(" ")[1]);
        assertTrue(shift > 0, map);
        String upper = berth.ok("inspect", "-f", "{{.GraphDriver.Data.UpperDir}}", "u").strip();
        assertEquals(shift, ((Number) Files.getAttribute(Path.of(upper, "tmp/a"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue());
        assertEquals(shift + 1234, ((Number) Files.getAttribute(Path.of(upper, "tmp/b"), "unix:uid")).longValue());
        // and out again, owners as the container sees them
        berth.ok("cp", "-a", "u:/tmp/b", local.resolve("b").toString());
        assertEquals(1234, Files.getAttribute(local.resolve("b"), "unix:uid"));
    }

    /** {@code getcap FILE}'s capabilities ("cap_net_raw=ep", with " [rootid=N]" for a namespaced set), or "" for none. */
    private static String getcap(Path file) throws Exception {
        Process p = new ProcessBuilder("getcap", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out.isEmpty() ? "" : out.substring(out.indexOf(' ') + 1);
    }

    private static String userXattr(Path p, String name) throws IOException {
        var view = Files.getFileAttributeView(p, java.nio.file.attribute.UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (!view.list().contains(name)) {
            return null;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(view.size(name));
        view.read(name, b);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    private static void setUserXattr(Path p, String name, String value) throws IOException {
        Files.getFileAttributeView(p, java.nio.file.attribute.UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
            .write(name, java.nio.ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void xattrsAndFileCapabilitiesGoBothWays() throws Exception {
        // a tree with a file capability (setcap: security.capability) and user.* attributes on a file and a directory
        local = Files.createDirectory(berth.root().resolve("local"));
        Path d = Files.createDirectory(local.resolve("x"));
        Path ping = Files.copy(Path.of(busybox(), "bin/busybox"), d.resolve("ping"));
        Path note = Files.writeString(d.resolve("note"), "n\n");
        assertEquals(0, new ProcessBuilder("setcap", "cap_net_raw+ep", ping.toString()).inheritIO().start().waitFor());
        setUserXattr(note, "note", "hello");
        setUserXattr(d, "dir", "attr of a directory");
        assertEquals("cap_net_raw=ep", getcap(ping), "the test's own set-up");

        // in: the container's files have them, seen from outside through /proc/PID/root
        image("c");
        berth.ok("cp", d.toString(), "c:/tmp/");
        Path inside = Path.of("/proc", berth.ok("inspect", "-f", "{{.State.Pid}}", "c").strip(), "root/tmp/x");
        assertEquals("cap_net_raw=ep", getcap(inside.resolve("ping")));
        assertEquals("hello", userXattr(inside.resolve("note"), "note"));
        assertEquals("attr of a directory", userXattr(inside, "dir"));
        String upper = berth.ok("inspect", "-f", "{{.GraphDriver.Data.UpperDir}}", "c").strip();
        assertEquals("hello", userXattr(Path.of(upper, "tmp/x/note"), "note"), "in the container's upper directory");

        // out to a directory: restored on the host
        berth.ok("cp", "c:/tmp/x", local.resolve("out").toString());
        assertEquals("cap_net_raw=ep", getcap(local.resolve("out/ping")));
        assertEquals("hello", userXattr(local.resolve("out/note"), "note"));
        assertEquals("attr of a directory", userXattr(local.resolve("out"), "dir"));

        // out as a tar on stdout: PAX SCHILY.xattr records, as docker's archive writes them
        Path tar = berth.root().resolve("x.tar");
        assertEquals(0, redirected(null, tar, "cp", "c:/tmp/x", "-"));
        java.util.Map<String, java.util.Map<String, byte[]>> attrs = new java.util.TreeMap<>();
        try (var in = Files.newInputStream(tar)) {
            TarReader r = new TarReader(in);
            for (TarEntry e; (e = r.next()) != null; ) {
                attrs.put(e.name, e.xattrs);
            }
        }
        assertEquals("hello", new String(attrs.get("x/note").get("user.note"), StandardCharsets.UTF_8));
        assertEquals("attr of a directory", new String(attrs.get("x/").get("user.dir"), StandardCharsets.UTF_8));
        byte[] cap = attrs.get("x/ping").get("security.capability");
        assertEquals(20, cap.length, "a version 2 capability set");
        assertEquals(1 << 13, cap[4] & 0xff | (cap[5] & 0xff) << 8 | (cap[6] & 0xff) << 16, "CAP_NET_RAW (13) permitted");

        // a --userns container: in with the capability, out again as version 2 (no root id)
        image("u", "--userns", "private");
        berth.ok("cp", d.toString(), "u:/tmp/");
        String uupper = berth.ok("inspect", "-f", "{{.GraphDriver.Data.UpperDir}}", "u").strip();
        assertTrue(getcap(Path.of(uupper, "tmp/x/ping")).startsWith("cap_net_raw=ep"), getcap(Path.of(uupper, "tmp/x/ping")));
        assertEquals("hello", userXattr(Path.of(uupper, "tmp/x/note"), "note"));
        berth.ok("cp", "u:/tmp/x/ping", local.resolve("uping").toString());
        assertEquals("cap_net_raw=ep", getcap(local.resolve("uping")));
    }

    @Test
    void volumesOfAStoppedContainerAreMountedForTheCopy() throws Exception {
        Path d = tree();
        Path vol = Files.createDirectory(berth.root().resolve("vol"));
        Path ro = Files.createDirectory(berth.root().resolve("ro"));
        image("s", "-v", "nv:/data/nv", "-v", vol + ":/mnt/vol", "-v", ro + ":/mnt/ro:ro");
        sh("s", "echo inside > /data/nv/inside");
        berth.ok("stop", "-t", "0", "s");
        berth.ok("cp", "s:/data/nv/inside", local.resolve("inside").toString());
        assertEquals("inside\n", Files.readString(local.resolve("inside")), "the named volume was not read");
        berth.ok("cp", d.resolve("a").toString(), "s:/mnt/vol/");
        assertEquals("alpha\n", Files.readString(vol.resolve("a")), "the copy did not reach the bind mount");
        String upper = berth.ok("inspect", "-f", "{{.GraphDriver.Data.UpperDir}}", "s").strip();
        assertFalse(Files.exists(Path.of(upper, "mnt/vol/a")), "the copy went under the mount point");
        Berth.Result r = berth.run("cp", d.resolve("a").toString(), "s:/mnt/ro/");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("read-only"), r.err());
        assertFalse(Files.exists(ro.resolve("a")));
        // the network files berth wrote for it, as dockerd mounts them
        berth.ok("cp", "s:/etc/hosts", local.resolve("hosts").toString());
        String hosts = berth.ok("inspect", "-f", "{{.HostsPath}}", "s").strip();
        assertEquals(Files.readString(Path.of(hosts)), Files.readString(local.resolve("hosts")));
        assertEquals(List.of(), Host.mountsUnder(berth.root()), "a volume stayed mounted");
        // a container never started: its root and volumes are there from create on
        berth.ok("create", "--name", "fresh", "-v", vol + ":/fresh/vol", "-v", "nv:/nv", "--entrypoint", "/bin/cat",
            "busybox", "/nv/inside");
        berth.ok("cp", d.resolve("sub/b").toString(), "fresh:/fresh/vol/");
        assertEquals("beta\n", Files.readString(vol.resolve("b")));
        assertEquals("inside\n", berth.ok("start", "-a", "fresh"));
        // where the kernel cannot mount onto a detached tree (before 6.15): refused, not written under the mount point
        berth.env("BERTH_STOPPED_MOUNTS", "off");
        r = berth.run("cp", d.resolve("sub/b").toString(), "s:/mnt/vol/c");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("start the container first"), r.err());
        assertFalse(Files.exists(Path.of(upper, "mnt/vol/c")));
        berth.ok("cp", "s:/bin/busybox", local.resolve("bb").toString());
        assertTrue(Files.size(local.resolve("bb")) > 100_000);
    }

    @Test
    void badInputIsRefusedAndLeavesNothing() throws Exception {
        Path d = tree();
        image("c");
        sh("c", "mkdir /tmp/adir && echo x > /tmp/afile");
        expect(1, "no such container: nope", "cp", "nope:/etc/hostname", local.resolve("n").toString());
        expect(1, "no such container: nope", "cp", d.toString(), "nope:/tmp");
        expect(1, "Could not find the file /missing in container c", "cp", "c:/missing", local.resolve("n").toString());
        // docker extracts a directory into the destination's parent, which is what is missing here
        expect(1, "Could not find the file /missing in container c", "cp", d.toString(), "c:/missing/deeper/");
        expect(1, "copying between containers is not supported", "cp", "c:/tmp", "c:/tmp2");
        expect(1, "must specify at least one container source", "cp", d.toString(), local.resolve("n").toString());
        expect(1, "requires exactly 2 arguments", "cp", "c:/tmp");
        expect(1, "invalid output path: directory \"" + local.resolve("no/such") + "\" does not exist", "cp",
            "c:/tmp/afile", local.resolve("no/such/file").toString());
        expect(1, "no such directory", "cp", "c:/tmp/afile", local.resolve("newdir") + "/");
        Files.writeString(local.resolve("file"), "f");
        expect(1, "cannot copy directory", "cp", "c:/tmp/adir", local.resolve("file").toString());
        expect(1, "cannot copy directory", "cp", d.toString(), "c:/tmp/afile");
        expect(1, "lstat " + local.resolve("nothing") + ": no such file or directory", "cp",
            local.resolve("nothing").toString(), "c:/tmp");
        expect(1, "not a directory", "cp", "c:/tmp/afile/x", local.resolve("n").toString());
        assertFalse(Files.exists(local.resolve("n")));
        assertFalse(Files.exists(local.resolve("newdir")));
        assertEquals("f", Files.readString(local.resolve("file")));
        assertEquals("", sh("c", "ls /tmp/adir"));
        assertEquals("x", sh("c", "cat /tmp/afile").strip());
    }

    private void expect(int code, String message, String... args) throws Exception {
        Berth.Result r = berth.run(args);
        assertEquals(code, r.code(), () -> String.join(" ", args) + ": " + r.err());
        assertTrue(r.err().contains(message), () -> String.join(" ", args) + " said: " + r.err());
    }

    /** Runs berth with stdin from {@code in} and stdout to {@code out} (files, for tars). */
    private int redirected(Path in, Path out, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(berth.command(args)).directory(berth.root().toFile())
            .redirectInput(in == null ? ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()) : ProcessBuilder.Redirect.from(in.toFile()))
            .redirectOutput(out == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(out.toFile()))
            .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("BERTH_CGROUP_PARENT", berth.cgroupParent());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "berth " + String.join(" ", args) + " hung");
        return p.exitValue();
    }
}
