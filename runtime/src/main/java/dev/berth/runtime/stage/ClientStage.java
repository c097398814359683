package dev.berth.runtime.stage;

import java.nio.file.Path;

/**
 * A stage forked by another process for this JVM to take: the runtime server's client
 * ({@code berth-stage --client}, see {@code native/stage/client.c}) forks it as the launcher
 * does, so the container stays the client's descendant, and leaves the pipes on its fds 3 and 4.
 * Within {@link #call}, the first session of the calling thread takes that stage.
 */
public final class ClientStage {
    static final ScopedValue<ClientStage> CURRENT = ScopedValue.newInstance();
    private final long pid;
    private boolean taken;

    private ClientStage(long pid) {
        this.pid = pid;
    }

    /** Runs {@code op} with the stage of client {@code pid} as the one to take. */
    public static <T, X extends Throwable> T call(long pid, ScopedValue.CallableOp<T, X> op) throws X {
        return ScopedValue.where(CURRENT, new ClientStage(pid)).call(op);
    }

    /**
     * The client's stage, or null for a later session of the call (a hook's second stage, which
     * the server spawns). The first must be the client's: a stage of the server's own would make
     * the container outside the caller's process tree, and for a caller that is gone.
     */
    synchronized LaunchedStage.Pipes take() throws java.io.IOException {
        if (taken) {
            return null;
        }
        taken = true;
        LaunchedStage.Pipes p = LaunchedStage.reopen(Path.of("/proc/" + pid + "/fd/3"), Path.of("/proc/" + pid + "/fd/4"));
        if (p == null) {
            throw new java.io.IOException("the caller (berth-stage --client, pid " + pid + ") or its stage went away"
                + " before the runtime server took the stage: run the command again");
        }
        return p;
    }
}
