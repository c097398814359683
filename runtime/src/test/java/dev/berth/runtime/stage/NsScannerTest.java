package dev.berth.runtime.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.linux.Namespaces;
import dev.berth.linux.NsKind;
import java.io.FileInputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stage's namespace scan, checked against what /proc shows this JVM directly. */
class NsScannerTest {
    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void seesThisProcessWithTheInodesProcShows() throws Exception {
        NsScanner.Result r = NsScanner.scan(true, false, List.of());
        NsScanner.Proc me = r.procs().stream().filter(p -> p.pid() == SELF).findFirst().orElseThrow();
        for (NsKind k : NsKind.values()) {
            assertEquals(Namespaces.inode(0, k), me.inodes().get(k), k.procName());
            NsScanner.Info info = r.namespaces().get(Namespaces.inode(0, k));
            assertNotNull(info, "every namespace met is described: " + k);
            assertEquals(k, info.kind());
        }
        assertEquals("java", me.comm());
        NsScanner.Info user = r.namespaces().get(Namespaces.inode(0, NsKind.USER));
        assertEquals(0, user.ownerUid(), "the initial user namespace belongs to root");
        NsScanner.Info net = r.namespaces().get(Namespaces.inode(0, NsKind.NET));
        assertEquals(user.inode(), net.owner(), "owned by our user namespace (NS_GET_USERNS)");
    }

    @Test
    void givesEveryProcesssCommandLineWhenAsked() throws Exception {
        byte[] raw = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/self/cmdline"));
        String want = new String(raw, 0, Math.min(raw.length, 1024), java.nio.charset.StandardCharsets.UTF_8)
            .replace('\0', ' ').strip();
        NsScanner.Result r = NsScanner.scan(true, false, true, List.of());
        assertEquals(want, r.cmdlines().get((int) SELF).strip());
        assertTrue(NsScanner.scan(true, false, List.of()).cmdlines().isEmpty(), "only when asked for");
    }

    @Test
    void answersForFilesAndSaysWhyNot() throws Exception {
        NsScanner.Result r = NsScanner.scan(false, false,
            List.of("/proc/self/ns/uts", "/etc/hostname", "/nonexistent"));
        assertEquals(3, r.paths().size());
        assertEquals(0, r.paths().get(0).errno());
        assertEquals(NsKind.UTS, r.paths().get(0).kind());
        assertEquals(25, r.paths().get(1).errno(), "ENOTTY: not a namespace file");
        assertEquals(2, r.paths().get(2).errno(), "ENOENT");
        assertTrue(r.procs().isEmpty());
    }

    @Test
    void findsNamespacesHeldByOpenFileDescriptors() throws Exception {
        try (FileInputStream held = new FileInputStream("/proc/self/ns/ipc")) {
            NsScanner.Result r = NsScanner.scan(true, true, List.of());
            long ipc = Namespaces.inode(0, NsKind.IPC);
            assertTrue(r.held().stream().anyMatch(h -> h.pid() == SELF && h.kind() == NsKind.IPC && h.inode() == ipc),
                "the fd this test holds is found");
        }
    }
}
