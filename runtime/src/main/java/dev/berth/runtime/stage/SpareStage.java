package dev.berth.runtime.stage;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;

/**
 * One stage spawned ahead of time, so that a long-lived JVM (a library user, the daemon) does
 * not wait for {@link ProcessBuilder} on every container: about 1.3 ms of a 7 ms warm start.
 * Each take starts the next one in the background. A spare the JVM never uses sees its stdin
 * close when the JVM exits and goes away quietly, as a launcher's stage does.
 *
 * <p>A one-shot CLI turns this off ({@link #disable()}): it has the launcher's stage instead,
 * and a spare would be a wasted fork.
 */
public final class SpareStage {
    private static volatile boolean enabled = true;
    private static Process ready; // guarded by SpareStage.class
    private static boolean spawning; // guarded by SpareStage.class
    private static Thread spawner; // guarded by SpareStage.class

    private SpareStage() {}

    /** Turns spares back on, for a long-lived JVM started by the CLI's main (the daemon). */
    public static void enable() {
        enabled = true;
    }

    /** Whether this JVM keeps spares: a long-lived one (library, daemon), not a one-shot CLI. */
    public static boolean enabled() {
        return enabled;
    }

    public static void disable() {
        enabled = false;
        Process p;
        synchronized (SpareStage.class) {
            p = ready;
            ready = null;
        }
        if (p != null) {
            p.destroy();
        }
    }

    /**
     * The spare, if one is ready; null when there is none yet. The taker calls {@link #refill}
     * once its program is sent: spawning the next one (a fork, two execs, ~2 ms of CPU) while
     * the run's Java work goes on would compete with it for the CPUs, and while the stage sets
     * the container up the taking thread only waits.
     */
    static Process take() {
        if (!enabled) {
            return null;
        }
        Process p;
        synchronized (SpareStage.class) {
            p = ready != null && ready.isAlive() ? ready : null;
            ready = null;
        }
        return p;
    }

    /** Starts the next spare in the background, unless one is ready or on its way. */
    static void refill() {
        synchronized (SpareStage.class) {
            if (!enabled || spawning || ready != null) {
                return;
            }
            spawning = true;
            if (spawner == null) {
                spawner = new Thread(SpareStage::spawnForEver, "berth-spare-stage");
                spawner.setDaemon(true);
                spawner.start();
            } else {
                SpareStage.class.notifyAll();
            }
        }
    }

    /** The spawning thread: one for the JVM's life, woken for each spare (a new thread is ~0.1 ms more). */
    private static void spawnForEver() {
        while (true) {
            synchronized (SpareStage.class) {
                while (!spawning) {
                    try {
                        SpareStage.class.wait();
                    } catch (InterruptedException e) {
                        // nobody interrupts it; a spare asked for is still made
                    }
                }
            }
            spawnOne();
        }
    }

    private static void spawnOne() {
        Process p = null;
        try {
            p = spawn();
        } catch (IOException e) {
            // no spare this time: the next container spawns its own stage and reports the error
        }
        synchronized (SpareStage.class) {
            spawning = false;
            if (enabled && ready == null) {
                ready = p;
                p = null;
            }
        }
        if (p != null) {
            p.destroy();
        }
    }

    /** A stage process waiting for its hello; its diagnostics go where the hello says. */
    static Process spawn() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Stage.locate().toString());
        pb.environment().remove(LaunchedStage.ENV);
        pb.directory(new File("/")); // an idle stage must not pin the JVM's working directory
        pb.redirectError(Redirect.DISCARD);
        return pb.start();
    }
}
