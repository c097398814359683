package dev.berth.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class InNetnsTest {
    @Test
    void theWorkSeesTheOtherNamespaceAndTheCallerKeepsItsOwn() throws Exception {
        Process holder = new ProcessBuilder("unshare", "--net", "sleep", "60").start();
        try {
            Path target = Path.of("/proc/" + holder.pid() + "/ns/net");
            String ours = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
            String theirs = waitForOther(target, ours);
            String seen = InNetns.call(target,
                () -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
            assertEquals(theirs, seen);
            assertEquals(ours, Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void aMissingNamespaceIsANamedError() {
        ErrnoException e = assertThrows(ErrnoException.class,
            () -> InNetns.call(Path.of("/run/netns/berth-no-such-ns"), () -> null));
        assertEquals(Errno.ENOENT, e.errno());
    }

    private static String waitForOther(Path target, String ours) throws Exception {
        for (int i = 0; i < 200; i++) {
            String now = Files.readSymbolicLink(target).toString();
            if (!now.equals(ours)) {
                return now;
            }
            Thread.sleep(10);
        }
        String now = Files.readSymbolicLink(target).toString();
        assertNotEquals(ours, now);
        return now;
    }
}
