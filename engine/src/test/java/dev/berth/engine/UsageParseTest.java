package dev.berth.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The host and namespace files docker's stats read, and its CPU % and memory % formulas. */
class UsageParseTest {
    @Test
    void systemCpuSumsUserToSoftirqAndCountsCpus() {
        String stat = "cpu  286872 1 88781 1482399 2111 3 844 51 7 9\n"
            + "cpu0 142156 0 41970 745643 468 0 155 26 0 0\n"
            + "cpu1 144715 0 46811 736755 1642 0 688 25 0 0\n"
            + "intr 1 2 3\nctxt 99\n";
        long ticks = 286872 + 1 + 88781 + 1482399 + 2111 + 3 + 844; // steal and guests left out
        assertArrayEquals(new long[] {ticks * 10_000_000L, 2}, Usage.systemCpu(stat));
    }

    @Test
    void memTotalIsInBytes() {
        assertEquals(24684092L * 1024, Usage.memTotal("MemTotal:       24684092 kB\nMemFree: 1 kB\n"));
        assertEquals(0, Usage.memTotal(""));
    }

    @Test
    void netDevSumsEveryInterfaceButLoopback() {
        String dev = "Inter-|   Receive                                                |  Transmit\n"
            + " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
            + "    lo:  999999      10    0    0    0     0          0         0   999999      10    0    0    0     0       0          0\n"
            + "    v1:     350       5    0    0    0     0          0         0      426       5    0    0    0     0       0          0\n"
            + "  eth0:1000000 5 0 0 0 0 0 0 2000 5 0 0 0 0 0 0\n";
        assertArrayEquals(new long[] {1_000_350, 2_426}, Usage.netDev(dev));
        assertArrayEquals(new long[] {0, 0}, Usage.netDev(""));
    }

    @Test
    void cpuPercentIsTheShareOfHostTimeTimesCpus() {
        Usage before = usage(true, 1_000_000_000L, 100_000_000_000L);
        // half a second of one container CPU over 1 s of a 4-CPU host (4 s of host time): 50%
        Usage after = usage(true, 1_500_000_000L, 104_000_000_000L);
        assertEquals(50.0, Usage.cpuPercent(before, after), 1e-9);
        assertEquals(0.0, Usage.cpuPercent(after, after));
        assertEquals(0.0, Usage.cpuPercent(before, usage(false, 0, 0)), "stopped meanwhile");
    }

    @Test
    void memoryPercentOfTheLimit() {
        assertEquals(25.0, new Usage("i", "n", true, 0, 0, 4, 16 << 20, 64 << 20, 0, 0, 0, 0, 1).memoryPercent());
        assertEquals(0.0, usage(false, 0, 0).memoryPercent());
    }

    private static Usage usage(boolean running, long cpu, long system) {
        return new Usage("id", "n", running, cpu, system, 4, 0, 0, 0, 0, 0, 0, 0);
    }
}
