package dev.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The v1 to v2 conversions, against the values runc's and crun's tests expect. */
class CgroupConvertTest {
    @Test
    void sharesToWeightKeepsTheDefaultsAndTheEnds() {
        assertEquals(0, Convert.cpuWeight(0));
        assertEquals(1, Convert.cpuWeight(2));
        assertEquals(2, Convert.cpuWeight(3));
        assertEquals(17, Convert.cpuWeight(100));
        assertEquals(59, Convert.cpuWeight(512));
        assertEquals(100, Convert.cpuWeight(1024));
        assertEquals(174, Convert.cpuWeight(2048));
        assertEquals(303, Convert.cpuWeight(4096));
        assertEquals(10000, Convert.cpuWeight(262143));
        assertEquals(10000, Convert.cpuWeight(262144));
        long last = 0;
        for (long s = 2; s <= 262144; s += 97) {
            long w = Convert.cpuWeight(s);
            assertEquals(true, w >= last && w >= 1 && w <= 10000, s + " -> " + w);
            last = w;
        }
    }

    @Test
    void blkioWeightToIoWeightIsLinear() {
        assertEquals(0, Convert.ioWeight(0));
        assertEquals(1, Convert.ioWeight(10));
        assertEquals(4950, Convert.ioWeight(500));
        assertEquals(10000, Convert.ioWeight(1000));
    }

    @Test
    void swapIsMemoryPlusSwapOnV1AndSwapAloneOnV2() throws Exception {
        assertEquals(512, Convert.swapV2(1536, 1024));
        assertEquals(0, Convert.swapV2(1024, 1024));
        assertEquals(-1, Convert.swapV2(-1, 1024));
        assertEquals(0, Convert.swapV2(0, 1024));
        // unlimited memory: swap is what it says, and unset swap follows memory to max
        assertEquals(4096, Convert.swapV2(4096, -1));
        assertEquals(-1, Convert.swapV2(0, -1));
        assertThrows(CgroupException.class, () -> Convert.swapV2(512, 1024));
        assertThrows(CgroupException.class, () -> Convert.swapV2(512, 0));
    }

    @Test
    void minusOneIsMax() {
        assertEquals("max", Convert.max(-1));
        assertEquals("0", Convert.max(0));
        assertEquals("4096", Convert.max(4096));
        assertEquals(-1, Convert.parseMax("max\n"));
        assertEquals(12, Convert.parseMax("12\n"));
    }
}
