package dev.berth.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Start-up phase timings on stderr when {@code BERTH_TRACE} is set: the instrument behind the
 * start-up budget in {@code docs/performance.md}. Times are CLOCK_MONOTONIC microseconds, so
 * they line up with a stamp taken by whoever started the JVM. Marks are only collected on the
 * way and printed by {@link #dump()}, because formatting on the way would be measured too.
 */
public final class Trace {
    private static final boolean ON = System.getenv("BERTH_TRACE") != null;
    private static final List<Object> MARKS = ON ? new ArrayList<>() : null;
    /** A phase at which the process kills itself with SIGKILL: the crash-consistency tests' fault. */
    private static final String CRASH_AT = System.getenv("BERTH_CRASH_AT");

    private Trace() {}

    public static void mark(String phase) {
        if (CRASH_AT != null && CRASH_AT.equals(phase)) {
            crash();
        }
        if (ON) {
            long now = System.nanoTime();
            synchronized (MARKS) {
                MARKS.add(now);
                MARKS.add(phase);
            }
        }
    }

    private static void crash() {
        System.out.flush();
        System.err.flush();
        try {
            dev.berth.linux.LibC.kill(ProcessHandle.current().pid(), 9);
        } catch (dev.berth.linux.ErrnoException e) {
            Runtime.getRuntime().halt(137);
        }
    }

    /** Prints the marks collected so far, one {@code [trace] MICROS PHASE} line each. */
    public static void dump() {
        if (ON) {
            synchronized (MARKS) {
                for (int i = 0; i < MARKS.size(); i += 2) {
                    System.err.println("[trace] " + ((Long) MARKS.get(i)) / 1000 + " " + MARKS.get(i + 1));
                }
                MARKS.clear();
            }
        }
    }
}
