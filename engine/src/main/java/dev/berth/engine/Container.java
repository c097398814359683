package dev.berth.engine;

import dev.berth.runtime.Trace;
import dev.berth.runtime.stage.StageSession;
import java.io.IOException;

/**
 * A container started by {@link Engine#run}, still attached to its output.
 *
 * <pre>{@code
 * try (Container c = engine.run(ContainerRequest.image("host").command("hostname"))) {
 *     int code = c.pipeOutput(System.out, System.err);
 * }
 * }</pre>
 *
 * {@link #detach()} (or close) lets it run on without this JVM.
 */
public final class Container extends Attachment {
    private final Engine engine;
    private final String id;
    private final String name;
    private final long pid;
    private final boolean autoRemove;
    private final String network;
    private final java.util.List<String> warnings;
    private final boolean restartPolicy;
    /** The state this engine wrote (for an auto-remove container's destroy event) and its {@code Store.stamp}. */
    private final java.util.Map<String, Object> state;
    private final String stamp;

    Container(Engine engine, StageSession session, String id, String name, long pid, boolean autoRemove,
        String network, java.util.List<String> warnings, boolean restartPolicy, java.util.Map<String, Object> state, String stamp) {
        super(session);
        this.engine = engine;
        this.id = id;
        this.name = name;
        this.pid = pid;
        this.autoRemove = autoRemove;
        this.network = network;
        this.warnings = java.util.List.copyOf(warnings);
        this.restartPolicy = restartPolicy;
        this.state = state;
        this.stamp = stamp;
    }

    /** Where berth did not do exactly what was asked, and why (docker prints these as WARNING). */
    public java.util.List<String> warnings() {
        return warnings;
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** The host pid of the container's first process. */
    public long pid() {
        return pid;
    }

    @Override
    protected int exited(int code) throws IOException {
        if (detached()) {
            return code; // the end of a detached stream: the container runs on
        }
        Trace.mark("exited");
        int result = code >= 0 ? code : engine.exitCodeOf(id);
        if (autoRemove && engine.removeExited(id, name, network, state, stamp)) {
            confirmRemoved();
        } else if (!autoRemove) {
            engine.volumesExited(id);
        }
        if (restartPolicy) {
            applyPolicy();
        }
        Trace.mark("removed");
        return result;
    }

    /**
     * A daemon restarts the container itself (and tells the monitor its exit command need not
     * run); anyone else lets go at once, so that the monitor's exit command applies the policy.
     */
    private void applyPolicy() {
        java.util.function.Consumer<Container> restarted = engine.restartsInProcess();
        if (restarted == null) {
            detach();
            return;
        }
        confirmRemoved();
        Thread.ofVirtual().name("restart-" + id.substring(0, 12)).start(() -> {
            try {
                Container next = engine.restartAfterExit(id);
                if (next != null) {
                    restarted.accept(next);
                }
            } catch (EngineException | RuntimeException e) {
                System.err.println("berth: cannot restart container " + name + ": " + e.getMessage());
            }
        });
    }
}
