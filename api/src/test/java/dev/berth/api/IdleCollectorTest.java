package dev.berth.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The daemon's idle GC: once after each burst of requests, never during one, never without one. */
class IdleCollectorTest {
    @Test
    void collectsOnceWhenIdleAfterRequests() {
        AtomicInteger collections = new AtomicInteger();
        IdleCollector c = new IdleCollector(collections::incrementAndGet);
        long t = System.nanoTime();
        assertFalse(c.tick(t + IdleCollector.IDLE_NANOS * 10), "no request yet: nothing to give back");
        c.request();
        long after = System.nanoTime();
        assertFalse(c.tick(after + IdleCollector.IDLE_NANOS / 2), "requests are still coming");
        assertTrue(c.tick(after + IdleCollector.IDLE_NANOS));
        assertFalse(c.tick(after + IdleCollector.IDLE_NANOS * 5), "once per idle period");
        c.request();
        assertTrue(c.tick(System.nanoTime() + IdleCollector.IDLE_NANOS));
        assertEquals(2, collections.get());
    }
}
