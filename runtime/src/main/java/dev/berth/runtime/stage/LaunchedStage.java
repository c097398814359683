package dev.berth.runtime.stage;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The stage that {@code berth-stage --launch} forked before this JVM started (see
 * {@code native/stage/launch.c}): taken once, by the first session, which then skips the
 * ~7 ms of a cold {@link ProcessBuilder}. {@code BERTH_STAGE_FDS=R,W} names the pipe ends.
 */
final class LaunchedStage {
    static final String ENV = "BERTH_STAGE_FDS";
    private static boolean taken;

    record Pipes(InputStream in, OutputStream out) {}

    private LaunchedStage() {}

    /** The launched stage's pipes, or null when there is none (left) or it cannot be reached. */
    static Pipes take() throws IOException {
        return ClientStage.CURRENT.isBound() ? ClientStage.CURRENT.get().take() : takeOwn();
    }

    private static synchronized Pipes takeOwn() {
        if (taken) {
            return null;
        }
        taken = true;
        String fds = System.getenv(ENV);
        int comma = fds == null ? -1 : fds.indexOf(',');
        if (comma < 0) {
            return null;
        }
        return reopen(Path.of("/proc/self/fd/" + fds.substring(0, comma).strip()),
            Path.of("/proc/self/fd/" + fds.substring(comma + 1).strip()));
    }

    /** The pipes behind two descriptors of a process, or null when they are not pipes (any more). */
    static Pipes reopen(Path r, Path w) {
        try {
            if (!isPipe(r) || !isPipe(w)) {
                return null; // inherited by a process the launcher did not start: not ours
            }
        } catch (IOException e) {
            return null;
        }
        return open(r, w);
    }

    private static boolean isPipe(Path fd) throws IOException {
        return Files.readSymbolicLink(fd).toString().startsWith("pipe:");
    }

    /**
     * Reopening a pipe through /proc has FIFO semantics: it blocks while the other end has no
     * process. The stage waits on its end, but if it was killed meanwhile, this gives up after
     * a second, and the caller spawns a stage of its own.
     */
    private static Pipes open(Path r, Path w) {
        Opener opener = new Opener(r, w);
        Thread t = new Thread(opener, "berth-stage-open");
        t.setDaemon(true);
        t.start();
        try {
            t.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return t.isAlive() ? null : opener.pipes; // join() makes the field visible
    }

    private static final class Opener implements Runnable {
        private final Path r;
        private final Path w;
        private Pipes pipes;

        Opener(Path r, Path w) {
            this.r = r;
            this.w = w;
        }

        @Override
        public void run() {
            try {
                OutputStream out = new FileOutputStream(w.toFile());
                pipes = new Pipes(new FileInputStream(r.toFile()), out);
            } catch (IOException e) {
                // no stage: pipes stays null
            }
        }
    }
}
