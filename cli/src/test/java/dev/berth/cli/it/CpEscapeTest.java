package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.image.TarEntry;
import dev.berth.image.TarWriter;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10's "symlink races on berth cp paths": a hostile container makes every link that could
 * lead a copy out of its root ({@code /etc/x -> /}, {@code ../../..} chains, absolute links to
 * the host's own paths) and swaps one between a directory and {@code /} in a tight loop while
 * berth copies in and out through it. On the host, a marker directory beside the state root
 * holds a secret: it must never be read, and nothing may ever be written into it. Run with
 * openat2 and with the component walk that replaces it on older kernels.
 */
class CpEscapeTest extends ContainerTestBase {
    private Path marker;
    private boolean walk;
    private String lastRefusal;
    private String rel;

    private void hostile(boolean openat2) throws Exception {
        if (!openat2) {
            berth.env("BERTH_OPENAT2", "off");
            walk = true;
        }
        marker = Files.createDirectory(berth.root().resolve("host-marker"));
        Files.writeString(marker.resolve("secret"), "HOST SECRET\n");
        rel = marker.toString().substring(1); // the marker's path without its leading /
        TestImage.load(berth.root());
        // the container's own decoy at the same path: reading it is fine, the host's is not
        String script = "mkdir -p /" + rel + " && echo container > /" + rel + "/secret"
            + " && ln -s / /etc/x && ln -s ../../../../../.. /up && mkdir -p /a/b && ln -s ../../up/../../.. /a/b/c"
            + " && ln -s " + marker + " /abs && ln -s /proc/self/root /pr"
            // /tmp/swap: a directory, then a link to / (held a little longer, so that copies do get through
            // it), then a directory again
            + " && while :; do rm -rf /tmp/swap; mkdir -p /tmp/swap/" + rel + "; rm -rf /tmp/swap;"
            + " ln -s / /tmp/swap; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; done";
        berth.ok("run", "-d", "--name", "evil", "-u", "0", "--entrypoint", "/bin/sh", "busybox", "-c", script);
        for (int i = 0; i < 100 && berth.run("exec", "evil", "test", "-L", "/abs").code() != 0; i++) {
            Thread.sleep(50);
        }
    }

    private void assertMarkerUntouched() throws Exception {
        try (Stream<Path> s = Files.list(marker)) {
            assertEquals(List.of(marker.resolve("secret")), s.toList(), "something was written into the host's directory");
        }
        assertEquals("HOST SECRET\n", Files.readString(marker.resolve("secret")));
    }

    private String readOut(String path) throws Exception {
        Path out = berth.root().resolve("out-" + System.nanoTime());
        Berth.Result r = berth.run("cp", "-L", "evil:" + path, out.toString());
        if (r.code() != 0) {
            lastRefusal = r.err();
            return "refused";
        }
        return Files.isDirectory(out) ? "dir" : Files.readString(out);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void linksLeadOnlyInsideTheContainer(boolean openat2) throws Exception {
        hostile(openat2);
        for (String via : List.of("/etc/x/", "/up/", "/a/b/c/", "/up/up/../../", "/pr/", "/etc/x/up/etc/x/")) {
            String got = readOut(via + rel + "/secret");
            assertNotEquals("HOST SECRET\n", got, "read the host's file through " + via);
            if (!via.equals("/pr/")) {
                assertEquals("container\n", got, via);
            }
        }
        // an absolute link to the host's directory means the container's path of that name
        assertEquals("container\n", readOut("/abs/secret"));
        // writes: into each link, as a directory and as a file name
        Path f = Files.writeString(berth.root().resolve("pwn"), "PWNED\n");
        for (String via : List.of("/abs/", "/etc/x/" + rel + "/", "/up/" + rel + "/", "/a/b/c/" + rel + "/", "/abs")) {
            berth.run("cp", f.toString(), "evil:" + via);
        }
        assertMarkerUntouched();
        assertEquals("PWNED", berth.ok("exec", "evil", "cat", "/" + rel + "/pwn").strip(), "the copy went nowhere");
        // a tar on stdin that climbs or writes through its own link
        Path tar = berth.root().resolve("evil.tar");
        try (OutputStream o = Files.newOutputStream(tar); TarWriter w = new TarWriter(o)) {
            TarEntry link = new TarEntry("l", TarEntry.SYMLINK);
            link.linkName = marker.toString();
            w.add(link, null);
            TarEntry through = new TarEntry("l/through", TarEntry.FILE);
            through.size = 6;
            w.add(through, new ByteArrayInputStream("PWNED\n".getBytes(StandardCharsets.UTF_8)));
            TarEntry hard = new TarEntry("hard", TarEntry.HARDLINK);
            hard.linkName = "l/secret";
            w.add(hard, null);
        }
        withStdin(tar, "cp", "-", "evil:/tmp"); // refused or kept inside: either way not on the host
        assertMarkerUntouched();
        try (OutputStream o = Files.newOutputStream(tar); TarWriter w = new TarWriter(o)) {
            TarEntry up = new TarEntry("../../../../../../" + rel + "/climb", TarEntry.FILE);
            w.add(up, new ByteArrayInputStream(new byte[0]));
        }
        assertNotEquals(0, withStdin(tar, "cp", "-", "evil:/tmp"));
        assertMarkerUntouched();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aSymlinkSwappedInALoopNeverLeadsOut(boolean openat2) throws Exception {
        hostile(openat2);
        Path f = Files.writeString(berth.root().resolve("pwn"), "PWNED\n");
        int inside = 0;
        for (int i = 0; i < 15; i++) {
            String got = readOut("/tmp/swap/" + rel + "/secret");
            assertNotEquals("HOST SECRET\n", got, "read the host's file in round " + i);
            if (!got.equals("refused")) {
                inside++;
            }
            berth.run("cp", f.toString(), "evil:/tmp/swap/" + rel + "/");
            berth.run("cp", f.toString(), "evil:/tmp/swap/" + rel + "/pwn-" + i);
            assertMarkerUntouched();
        }
        assertTrue(inside > 0, "no copy got through the swapped link at all: the race was not exercised; the last refusal: "
            + lastRefusal);
        // the writes that got through the link to / landed in the container's own directory
        String landed = berth.ok("exec", "evil", "sh", "-c", "ls /" + rel + " | grep -c pwn || true");
        assertTrue(Integer.parseInt(landed.strip()) > 0, landed);
        assertFalse(Files.exists(marker.resolve("pwn")));
    }

    private int withStdin(Path in, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(berth.command(args)).directory(berth.root().toFile())
            .redirectInput(ProcessBuilder.Redirect.from(in.toFile()))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("BERTH_CGROUP_PARENT", berth.cgroupParent());
        if (walk) {
            pb.environment().put("BERTH_OPENAT2", "off");
        }
        berth.ok("inspect", "evil"); // fails the test early if the container died
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue();
    }
}
