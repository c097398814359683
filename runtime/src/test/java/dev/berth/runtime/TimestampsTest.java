package dev.berth.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimestampsTest {
    @Test
    void formatsAsRfc3339WithGosFraction() {
        assertEquals("1970-01-01T00:00:00Z", Timestamps.format(0));
        assertEquals("2026-11-24T13:02:08.1Z", Timestamps.format(1795525328_100_000_000L));
        assertEquals("2000-02-29T23:59:59.000000001Z", Timestamps.format(951868799_000_000_001L));
        assertEquals("1969-12-31T23:59:59.5Z", Timestamps.format(-500_000_000L));
    }

    /** Against java.time over three and a half centuries, both directions. */
    @Test
    void agreesWithJavaTime() {
        Random rnd = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            long secs = rnd.nextLong(-2_208_988_800L, 9_000_000_000L); // 1900 .. 2255 (long nanoseconds end in 2262)
            int nanos = i % 3 == 0 ? 0 : rnd.nextInt(1_000_000_000);
            Instant t = Instant.ofEpochSecond(secs, nanos);
            long epochNanos = secs * 1_000_000_000L + nanos;
            String ours = Timestamps.format(epochNanos);
            assertEquals(t, Instant.parse(ours), ours);
            assertEquals(epochNanos, Timestamps.parse(t.toString()), t.toString());
        }
    }

    @Test
    void parsesOffsetsAndRejectsGarbage() {
        String withOffset = "2026-11-24T15:02:08.25+02:00";
        assertEquals(OffsetDateTime.parse(withOffset).toInstant(),
            Instant.ofEpochSecond(0, Timestamps.parse(withOffset)));
        for (String bad : new String[] {"", "yesterday", "2026-11-24", "2026-13-01T00:00:00Z",
            "2026-11-24T13:02:08", "2026-11-24T13:02:08.Zx", "0001-01-01T00:00:00Q"}) {
            assertEquals(-1, Timestamps.parse(bad), bad);
        }
    }
}
