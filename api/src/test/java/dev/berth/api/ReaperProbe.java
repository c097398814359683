package dev.berth.api;

/**
 * Run in a JVM of its own by {@link ReaperKeepAliveTest}: starts and waits for a few processes,
 * as the daemon's container stages are, shortens the JDK's reaper keep-alive as the daemon does,
 * and prints how many "process reaper" threads are left 2.5 s after the processes ended.
 */
public final class ReaperProbe {
    private ReaperProbe() {}

    public static void main(String[] args) throws Exception {
        boolean shortened = IdleCollector.shortenReaperKeepAlive();
        Process[] ps = new Process[8];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = new ProcessBuilder("sleep", "0.5").start(); // all running at once: 8 reapers
        }
        for (Process p : ps) {
            p.waitFor();
        }
        Thread.sleep(2500);
        long reapers = Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals("process reaper")).count();
        System.out.println(shortened + " " + reapers);
    }
}
