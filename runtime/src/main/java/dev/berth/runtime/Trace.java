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
    /** A phase at which the current stage (the container's monitor) is killed with SIGKILL, and berth goes on. */
    private static final String KILL_MONITOR_AT = System.getenv("BERTH_KILL_MONITOR_AT");
    /** The pid and start time of the stage this process spoke to last, for {@link #KILL_MONITOR_AT}. */
    private static volatile long[] monitor;

    private Trace() {}

    public static void mark(String phase) {
        if (CRASH_AT != null && CRASH_AT.equals(phase)) {
            crash();
        }
        if (KILL_MONITOR_AT != null && KILL_MONITOR_AT.equals(phase)) {
            killMonitor();
        }
        if (ON) {
            long now = System.nanoTime();
            synchronized (MARKS) {
                MARKS.add(now);
                MARKS.add(phase);
            }
        }
    }

    /** Names the stage that the next marks concern: a monitor the fault may kill. */
    public static void monitor(long pid) {
        if (KILL_MONITOR_AT != null) {
            monitor = new long[] {pid, dev.berth.linux.Procs.startTime(pid)};
        }
    }

    /** SIGKILLs the monitor named last, if it still runs, and waits until it is dead. */
    private static void killMonitor() {
        long[] m = monitor;
        if (m == null || !dev.berth.linux.Procs.alive(m[0], m[1])) {
            return;
        }
        try {
            dev.berth.linux.LibC.kill(m[0], 9);
        } catch (dev.berth.linux.ErrnoException e) {
            return;
        }
        for (int i = 0; i < 2000 && dev.berth.linux.Procs.alive(m[0], m[1]); i++) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                return;
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
