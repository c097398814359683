package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.runtime.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A container that fills the disk does not corrupt berth's state (issue 10). The state root,
 * with the image store and the container's writable layer in it, is a small tmpfs the test
 * mounts on the root and unmounts in {@link #tearDown}, so "full" is the disk berth writes to.
 */
class DiskFullTest {
    private Berth berth;
    private boolean mounted;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Host.isRoot(), "containers and mounts need root: run the tests as root (bin/test)");
        berth = new Berth();
        sh("mount", "-t", "tmpfs", "-o", "size=24m,mode=0711", "berth-diskfull", berth.root().toString());
        mounted = true;
        TestImage.load(berth.root());
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (mounted) {
                for (String id : berth.run("ps", "-a", "-q").out().split("\n")) {
                    if (!id.isBlank()) {
                        berth.run("rm", "-f", id.strip());
                    }
                }
            }
        } finally {
            try {
                if (mounted) {
                    unmount();
                }
            } finally {
                berth.close();
            }
        }
    }

    @Test
    void aContainerFillingTheDiskLeavesEveryStateFileWholeAndBerthWorking() throws Exception {
        // the image's entrypoint is echo and its user not root (TestImage)
        berth.ok("run", "-d", "--name", "filler", "-u", "0", "--entrypoint", "sh", "busybox", "-c",
            "echo before; dd if=/dev/zero of=/fill bs=64k 2>/dev/null; echo dd=$?; while :; do echo more; sleep 0.01; done");
        awaitFull();
        // the disk stays full: what the container logs from here on cannot be written
        assertEquals("running", berth.ok("inspect", "-f", "{{.State.Status}}", "filler").strip());
        assertTrue(berth.ok("ps").contains("filler"));
        assertTrue(berth.ok("logs", "filler").startsWith("before\n"), "the log before the disk filled is kept");

        Berth.Result second = berth.run("run", "-d", "--name", "second", "busybox", "sleep", "60");
        assertNotEquals(0, second.code(), "a run on a full disk cannot succeed");
        assertEquals(1, second.err().strip().lines().count(), "one line: " + second.err());
        assertTrue(second.err().contains("space"), "the error names the full disk: " + second.err());
        assertEquals("", berth.ok("ps", "-a", "-q", "--filter", "name=second"), "the failed run left a container");
        everyStateFileIsWhole();

        Berth.Result exec = berth.run("exec", "filler", "sh", "-c", "echo x > /more");
        assertNotEquals(0, exec.code(), "the container's layer is on the full disk too");
        berth.ok("stop", "-t", "1", "filler");
        assertEquals("exited", berth.ok("inspect", "-f", "{{.State.Status}}", "filler").strip(),
            "the exit of a container on a full disk is recorded");
        everyStateFileIsWhole();
        berth.ok("rm", "filler");
        assertEquals("nothing left by a crash", berth.ok("system", "check").strip());
        // the space is back, and so is berth
        assertEquals("ep again\n", berth.ok("run", "--rm", "--name", "second", "busybox", "again"));
    }

    /** Waits until the tmpfs has no block left. */
    private void awaitFull() throws Exception {
        for (int i = 0; i < 200; i++) {
            if (Files.getFileStore(berth.root()).getUsableSpace() < 64 * 1024) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the container did not fill " + berth.root() + ": "
            + Files.getFileStore(berth.root()).getUsableSpace() + " bytes free; " + berth.run("logs", "filler")
            + berth.run("inspect", "filler").out());
    }

    /** Every JSON file under the root parses, and none is empty: nothing was truncated. */
    private void everyStateFileIsWhole() throws Exception {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(berth.root())) {
            walk.filter(p -> p.toString().endsWith(".json") && !p.toString().contains("/upper/")
                && !p.toString().contains("/layers/")).forEach(files::add);
        }
        assertTrue(files.stream().anyMatch(p -> p.endsWith("state.json")), files.toString());
        for (Path p : files) {
            String text = Files.readString(p);
            try {
                Json.parse(text);
            } catch (Exception e) {
                throw new AssertionError(p + " is not whole: \"" + text + "\"", e);
            }
        }
    }

    /** A mount still busy (a process of a failed test in it) is detached anyway, and the test fails. */
    private void unmount() throws Exception {
        try {
            sh("umount", berth.root().toString());
        } catch (IllegalStateException e) {
            sh("umount", "-l", berth.root().toString());
            throw e;
        }
    }

    private static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
