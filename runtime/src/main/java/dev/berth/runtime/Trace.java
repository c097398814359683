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
    /** Whether a call may carry faults of its own ({@link #withFaults}): only the runtime server's do. */
    private static volatile boolean perCall;

    private Trace() {}

    public static void mark(String phase) {
        if (CRASH_AT != null && CRASH_AT.equals(phase)) {
            crash();
        }
        if (KILL_MONITOR_AT != null && KILL_MONITOR_AT.equals(phase)) {
            killAndWait(monitor);
        }
        if (perCall && Call.FAULTS.isBound()) {
            Call.FAULTS.get().mark(phase);
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
        if (perCall && Call.FAULTS.isBound() && Call.FAULTS.get().killMonitorAt != null) {
            Call.FAULTS.get().monitor = new long[] {pid, dev.berth.linux.Procs.startTime(pid)};
        }
    }

    /**
     * Runs {@code op} with the faults its caller asked for in {@code env}, the runtime server's
     * client's environment: {@code BERTH_CRASH_AT} (this process, the server, dies, and every
     * call it serves with it), {@code BERTH_KILL_MONITOR_AT} (the monitor of this call), and
     * {@code BERTH_KILL_CLIENT_AT} (the process {@code client} that made the call, and the server
     * goes on). So the served path takes the same faults as a JVM per call.
     */
    public static <T, X extends Throwable> T withFaults(java.util.Map<String, String> env, long client,
        ScopedValue.CallableOp<T, X> op) throws X {
        String crash = env.get("BERTH_CRASH_AT");
        String monitor = env.get("BERTH_KILL_MONITOR_AT");
        String caller = env.get("BERTH_KILL_CLIENT_AT");
        if (crash == null && monitor == null && caller == null) {
            return op.call();
        }
        perCall = true;
        return ScopedValue.where(Call.FAULTS, new Call(crash, monitor, caller, client)).call(op);
    }

    /** The faults of one served call, and the monitor it spoke to last. */
    private static final class Call {
        static final ScopedValue<Call> FAULTS = ScopedValue.newInstance();
        final String crashAt;
        final String killMonitorAt;
        final String killClientAt;
        final long client;
        volatile long[] monitor;

        Call(String crashAt, String killMonitorAt, String killClientAt, long client) {
            this.crashAt = crashAt;
            this.killMonitorAt = killMonitorAt;
            this.killClientAt = killClientAt;
            this.client = client;
        }

        void mark(String phase) {
            if (phase.equals(crashAt)) {
                crash();
            }
            if (phase.equals(killMonitorAt)) {
                killAndWait(monitor);
            }
            if (phase.equals(killClientAt)) {
                killAndWait(new long[] {client, dev.berth.linux.Procs.startTime(client)});
            }
        }
    }

    /** SIGKILLs process {@code m} (pid, start time), if it still runs, and waits until it is dead. */
    private static void killAndWait(long[] m) {
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
