package dev.berth.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The exit codes the daemon keeps for waits that come after a removal: the newest, and no more. */
class LiveTest {
    private static String id(int i) {
        return String.format("%064x", i);
    }

    @Test
    void keepsTheLastExitCodesOnly() {
        Live live = new Live();
        int runs = Live.EXITS_KEPT + 10;
        for (int i = 0; i < runs; i++) {
            live.failed(live.session(id(i)), i % 200);
        }
        assertNull(live.exitCode(id(0)), "the oldest run's exit code is forgotten");
        assertNull(live.exitCode(id(9)));
        assertEquals(10 % 200, live.exitCode(id(10)));
        assertEquals((runs - 1) % 200, live.exitCode(id(runs - 1)));
        assertNull(live.existing(id(runs - 1)), "an ended session is let go");
    }
}
