package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.image.TarEntry;
import dev.berth.image.TarReader;
import dev.berth.runtime.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The archive, export and changes endpoints driven by the real docker CLI: {@code docker cp}
 * both ways (its own client half of the path rules against our daemon half), {@code docker
 * export}, {@code docker diff}, and the raw HEAD/GET/PUT answers with curl.
 */
class CpDaemonTest extends DaemonTestBase {
    private String container() throws Exception {
        TestImage.load(berth.root());
        return ok("run", "-d", "--name", "c", "-u", "0", "--entrypoint", "/bin/sleep", "busybox", "300").strip();
    }

    @Test
    void dockerCpBothWays() throws Exception {
        container();
        Path local = Files.createDirectory(berth.root().resolve("local"));
        Path d = Files.createDirectory(local.resolve("dir"));
        Files.writeString(d.resolve("a"), "alpha\n");
        Files.createSymbolicLink(d.resolve("l"), Path.of("a"));
        Files.setAttribute(d.resolve("a"), "unix:uid", 1234);
        ok("cp", d.toString(), "c:/tmp/");
        ok("cp", "-a", d.toString(), "c:/tmp/kept");
        assertEquals("alpha\n|0|a|1234", ok("exec", "c", "sh", "-c",
            "cat /tmp/dir/a; echo \"|$(stat -c %u /tmp/dir/a)|$(readlink /tmp/dir/l)|$(stat -c %u /tmp/kept/a)\"").strip());
        ok("cp", "c:/tmp/dir", local.resolve("back").toString());
        assertEquals("alpha\n", Files.readString(local.resolve("back/a")));
        assertEquals("a", Files.readSymbolicLink(local.resolve("back/l")).toString());
        ok("cp", "c:/tmp/dir/.", local.resolve("back").toString());
        ok("cp", "c:/data/file", local.resolve("back").toString());
        assertEquals("layer2\n", Files.readString(local.resolve("back/file")));
        // docker cp - streams a tar both ways
        Berth.Result tar = docker(null, "cp", "c:/tmp/dir/a", "-");
        assertEquals(0, tar.code(), tar.err());
        assertTrue(tar.out().startsWith("a"), tar.out());
        // refusals, as the docker CLI shows them
        Berth.Result r = docker(null, "cp", "nope:/etc/hostname", local.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("Error response from daemon: No such container: nope"), r.err());
        r = docker(null, "cp", d.toString(), "nope:/tmp");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("No such container: nope"), r.err());
        r = docker(null, "cp", "c:/missing", local.resolve("m").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("Could not find the file /missing in container c"), r.err());
        r = docker(null, "cp", "c:/tmp", "c:/tmp2");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("copying between containers is not supported"), r.err());
        assertFalse(Files.exists(local.resolve("m")));
        // a stopped container: read from its image and changes, written into its upper directory
        ok("stop", "-t", "0", "c");
        ok("cp", local.resolve("back/file").toString(), "c:/stopped-file");
        ok("cp", "c:/stopped-file", local.resolve("again").toString());
        assertEquals("layer2\n", Files.readString(local.resolve("again")));
        // create, cp, start: what Testcontainers' withCopyToContainer does before the start
        ok("create", "--name", "fresh", "--entrypoint", "/bin/cat", "busybox", "/tmp/dir/a");
        ok("cp", d.toString(), "fresh:/tmp/");
        assertEquals("alpha\n", ok("start", "-a", "fresh"));
    }

    private static String getcap(Path file) throws Exception {
        Process p = new ProcessBuilder("getcap", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out.isEmpty() ? "" : out.substring(out.indexOf(' ') + 1);
    }

    private static java.nio.file.attribute.UserDefinedFileAttributeView user(Path p) {
        return Files.getFileAttributeView(p, java.nio.file.attribute.UserDefinedFileAttributeView.class,
            java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    private static String userXattr(Path p, String name) throws Exception {
        if (!user(p).list().contains(name)) {
            return null;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(user(p).size(name));
        user(p).read(name, b);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    @Test
    void dockerCpAndTheArchiveEndpointsKeepXattrs() throws Exception {
        container();
        Path local = Files.createDirectory(berth.root().resolve("local"));
        Path d = Files.createDirectory(local.resolve("x"));
        Path ping = Files.copy(Path.of(busybox(), "bin/busybox"), d.resolve("ping"));
        assertEquals(0, new ProcessBuilder("setcap", "cap_net_raw+ep", ping.toString()).inheritIO().start().waitFor());
        // in: the docker CLI archives security.capability (not user.*), the daemon restores it
        ok("cp", d.toString(), "c:/tmp/");
        Path inside = Path.of("/proc", ok("inspect", "-f", "{{.State.Pid}}", "c").strip(), "root/tmp/x");
        assertEquals("cap_net_raw=ep", getcap(inside.resolve("ping")));
        user(inside.resolve("ping")).write("note", java.nio.ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
        // out: the daemon's archive has both, the docker CLI restores both on the host
        ok("cp", "c:/tmp/x", local.resolve("back").toString());
        assertEquals("cap_net_raw=ep", getcap(local.resolve("back/ping")));
        assertEquals("hello", userXattr(local.resolve("back/ping"), "note"));
        Path got = berth.root().resolve("got.tar");
        curl("-s", "-o", got.toString(), "http://d/v1.51/containers/c/archive?path=/tmp/x/ping");
        Map<String, byte[]> x;
        try (var in = Files.newInputStream(got)) {
            x = new TarReader(in).next().xattrs;
        }
        assertEquals(List.of("security.capability", "user.note"), x.keySet().stream().sorted().toList());
        // PUT a tar that carries them: set on the container's file
        Path tar = berth.root().resolve("up.tar");
        try (var o = Files.newOutputStream(tar); var w = new dev.berth.image.TarWriter(o)) {
            TarEntry e = new TarEntry("put", TarEntry.FILE);
            e.size = 2;
            e.mode = 0755;
            e.xattrs.putAll(x);
            w.add(e, new java.io.ByteArrayInputStream("p\n".getBytes(StandardCharsets.UTF_8)));
        }
        assertEquals("200", curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-T", tar.toString(),
            "http://d/v1.51/containers/c/archive?path=/tmp").out());
        assertEquals("cap_net_raw=ep", getcap(inside.getParent().resolve("put")));
        assertEquals("hello", userXattr(inside.getParent().resolve("put"), "note"));
    }

    @Test
    void archiveEndpointsAnswerAsDockerd() throws Exception {
        container();
        ok("exec", "c", "sh", "-c", "echo hi > /tmp/f && ln -s /tmp/f /tmp/l && mkdir /tmp/d /tmp/e && echo g > /tmp/e/g");
        String base = "http://d/v1.51/containers/c/archive?path=";
        Berth.Result head = curl("-I", base + "/tmp/l");
        assertTrue(head.out().startsWith("HTTP/1.1 200"), head.out());
        String header = null;
        for (String line : head.out().split("\r\n")) {
            if (line.toLowerCase().startsWith("x-docker-container-path-stat:")) {
                header = line.substring(line.indexOf(':') + 1).strip();
            }
        }
        Map<String, Object> stat = Json.parseObject(new String(Base64.getDecoder().decode(header), StandardCharsets.UTF_8));
        assertEquals("l", stat.get("name"));
        assertEquals("/tmp/f", stat.get("linkTarget"));
        assertEquals((1L << 27) | 0777, ((Number) stat.get("mode")).longValue());
        assertTrue(String.valueOf(stat.get("mtime")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), stat.toString());
        assertTrue(curl("-I", base + "/nope").out().startsWith("HTTP/1.1 404"));
        Berth.Result notDir = curl("-s", "-o", "/dev/null", "-w", "%{http_code}", base + "/tmp/f/x");
        assertEquals("400", notDir.out());
        // PUT: a tar into a directory; a file is no extraction point; noOverwriteDirNonDir
        Path tar = berth.root().resolve("up.tar");
        Files.write(tar, tarOf("d", "x"));
        Berth.Result refused = curl("-s", "-X", "PUT", "-T", tar.toString(), base + "/tmp&noOverwriteDirNonDir=1");
        assertTrue(refused.out().contains("cannot overwrite directory"), refused.out());
        assertEquals("200", curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-T", tar.toString(),
            base + "/tmp").out());
        assertEquals("x", ok("exec", "c", "cat", "/tmp/d").strip(), "the file did not replace the directory");
        assertEquals("400", curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-T", tar.toString(),
            base + "/tmp/f").out());
        // GET: the tar is named after the path asked for
        Path got = berth.root().resolve("got.tar");
        curl("-s", "-o", got.toString(), base + "/tmp/e/.");
        List<String> names = new ArrayList<>();
        try (var in = Files.newInputStream(got)) {
            TarReader r = new TarReader(in);
            for (TarEntry e; (e = r.next()) != null; ) {
                names.add(e.name);
            }
        }
        assertEquals(List.of("./", "./g"), names);
    }

    @Test
    void exportAndDiff() throws Exception {
        container();
        ok("exec", "c", "sh", "-c", "echo new > /data/new && rm /data/file");
        List<String> diff = ok("diff", "c").strip().lines().toList();
        assertTrue(diff.containsAll(List.of("C /data", "A /data/new", "D /data/file")), diff.toString());
        Path out = berth.root().resolve("export.tar");
        ok("export", "-o", out.toString(), "c");
        List<String> names = new ArrayList<>();
        try (var in = Files.newInputStream(out)) {
            TarReader r = new TarReader(in);
            for (TarEntry e; (e = r.next()) != null; ) {
                names.add(e.name);
            }
        }
        assertTrue(names.contains("data/new"), names.toString());
        assertFalse(names.contains("data/file"), names.toString());
        assertTrue(names.contains("bin/busybox"), names.toString());
        Berth.Result r = docker(null, "diff", "nope");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("No such container: nope"), r.err());
    }

    /** A tar with one file {@code name} holding {@code text}. */
    private static byte[] tarOf(String name, String text) throws Exception {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        try (dev.berth.image.TarWriter w = new dev.berth.image.TarWriter(b)) {
            TarEntry e = new TarEntry(name, TarEntry.FILE);
            byte[] data = text.getBytes(StandardCharsets.UTF_8);
            e.size = data.length;
            w.add(e, new java.io.ByteArrayInputStream(data));
        }
        return b.toByteArray();
    }
}
