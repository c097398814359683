package dev.berth.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NetnsThreadTest {
    private static String here() throws Exception {
        return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
    }

    @Test
    void everyCallRunsOnTheSameThreadInTheNamespace() throws Exception {
        Process holder = new ProcessBuilder("unshare", "--net", "sleep", "60").start();
        try {
            Path target = Path.of("/proc/" + holder.pid() + "/ns/net");
            String ours = here();
            for (int i = 0; i < 200 && Files.readSymbolicLink(target).toString().equals(ours); i++) {
                Thread.sleep(10);
            }
            String theirs = Files.readSymbolicLink(target).toString();
            Thread worker;
            try (NetnsThread t = NetnsThread.start(target, "test")) {
                worker = t.call(Thread::currentThread);
                assertEquals(theirs, t.call(NetnsThreadTest::here));
                assertEquals(worker, t.call(Thread::currentThread));
                assertEquals("boom", assertThrows(IllegalStateException.class,
                    () -> t.call(() -> { throw new IllegalStateException("boom"); })).getMessage());
                assertEquals(theirs, t.call(NetnsThreadTest::here), "a failed task leaves the thread where it was");
                assertEquals(ours, here());
            }
            assertFalse(worker.isAlive());
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void aMissingNamespaceLeavesNoThread() {
        ErrnoException e = assertThrows(ErrnoException.class,
            () -> NetnsThread.start(Path.of("/run/netns/berth-no-such-ns"), "test"));
        assertEquals(Errno.ENOENT, e.errno());
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("test")));
    }
}
