package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 10's "the daemon socket is not reachable by users outside its group": the socket of
 * {@code berth daemon} is root's, mode 0660 with the group that may use it ({@code --group},
 * default {@code berth}), else 0600. Checked with curl run as another uid (setpriv), with and
 * without the group among its supplementary groups: the kernel's permission check on connect
 * is the oracle.
 */
class DaemonAccessTest extends ContainerTestBase {
    /** A uid with no account and no groups of its own. */
    private static final String NOBODY = "65534";
    /** A group every Debian has; the test only gives the socket to it. */
    private static final String GROUP = "users";
    private static final int GID = 100;

    private Process daemon;
    private Path socket;
    private Path log;

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.destroy();
            assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon did not stop on SIGTERM");
            Files.deleteIfExists(log);
        }
    }

    @Test
    void onlyRootAndTheSocketsGroupGetIn() throws Exception {
        start("--group", GROUP);
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals(0, Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(GID, Files.getAttribute(socket, "unix:gid", LinkOption.NOFOLLOW_LINKS));

        assertEquals("OK", ping(List.of()).out());
        Berth.Result outsider = ping(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        assertEquals(7, outsider.code(), "curl connected as a user outside the group: " + outsider.out());
        assertTrue(outsider.err().contains("Permission denied") || outsider.err().contains("Couldn't connect"),
            outsider.err());
        Berth.Result member = ping(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--groups=" + GID));
        assertEquals(0, member.code(), member.err());
        assertEquals("OK", member.out());
        // the group's gid as the user's own (primary) group is membership too
        assertEquals("OK", ping(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + GID, "--clear-groups")).out());
    }

    @Test
    void withoutTheBerthGroupOnlyRootGetsIn() throws Exception {
        assumeFalse(Host.groupExists("berth"), "this host has a berth group: the default is 0660 to it");
        start();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals("OK", ping(List.of()).out());
        for (String gid : List.of(NOBODY, Integer.toString(GID), "0")) { // even root's group is not enough
            Berth.Result r = ping(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + gid, "--clear-groups"));
            assertEquals(7, r.code(), "gid " + gid + " got in: " + r.out());
        }
    }

    @Test
    void aGroupThatDoesNotExistIsRefused() throws Exception {
        List<String> cmd = daemonCommand("--group", "berth-no-such-group");
        Berth.Result r = DaemonTestBase.exec(cmd, null);
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("the group berth-no-such-group for the socket does not exist"), r.err());
        assertFalse(Files.exists(socket), "the socket was made");
    }

    private List<String> daemonCommand(String... flags) {
        socket = berth.root().resolve("api.sock");
        List<String> cmd = new ArrayList<>(berth.command("daemon", "-H", "unix://" + socket));
        cmd.addAll(List.of(flags));
        return cmd;
    }

    private void start(String... flags) throws Exception {
        log = Files.createTempFile("berth-daemon", ".log");
        daemon = new ProcessBuilder(daemonCommand(flags)).directory(Path.of("/").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        for (int i = 0; i < 300 && !DaemonTestBase.live(socket); i++) {
            assertTrue(daemon.isAlive(), () -> "the daemon exited: " + read(log));
            Thread.sleep(20);
        }
        assertTrue(DaemonTestBase.live(socket), () -> "the daemon did not listen: " + read(log));
    }

    /** {@code GET /_ping} with curl, run under {@code as} (a setpriv prefix, or nothing for root). */
    private Berth.Result ping(List<String> as) throws Exception {
        List<String> cmd = new ArrayList<>(as);
        cmd.addAll(List.of("curl", "-sS", "--max-time", "10", "--unix-socket", socket.toString(), "http://berth/_ping"));
        return DaemonTestBase.exec(cmd, null);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "(no log)";
        }
    }
}
