package dev.berth.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SignalsTest {
    @Test
    void parsesNamesNumbersAndRealtimeSignals() {
        assertEquals(9, Signals.parse("KILL"));
        assertEquals(9, Signals.parse("sigkill"));
        assertEquals(15, Signals.parse("15"));
        assertEquals(10, Signals.parse("SIGUSR1"));
        assertEquals(36, Signals.parse("RTMIN+2"));
        assertEquals("SIGTERM", Signals.name(15));
    }

    @Test
    void rejectsWhatIsNoSignal() {
        assertThrows(IllegalArgumentException.class, () -> Signals.parse("NOSUCH"));
        assertThrows(IllegalArgumentException.class, () -> Signals.parse("0"));
        assertThrows(IllegalArgumentException.class, () -> Signals.parse("65"));
        assertThrows(IllegalArgumentException.class, () -> Signals.parse("RTMIN+40"));
    }

    @Test
    void namespaceInodesOfThisProcess() throws Exception {
        for (NsKind k : NsKind.values()) {
            assertEquals(Namespaces.inode(0, k), Namespaces.inode(ProcessHandle.current().pid(), k), k.procName());
        }
        assertEquals(4026531840L, Namespaces.parseInode("net:[4026531840]"));
    }
}
