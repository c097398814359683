package dev.berth.engine;

import dev.berth.runtime.WaitStatus;
import dev.berth.runtime.stage.Frame;
import dev.berth.runtime.stage.FrameLink;
import dev.berth.runtime.stage.Protocol;
import dev.berth.runtime.stage.StageSession;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The streams of a started process (a container or an exec): output out, input, signals and
 * terminal size in. It talks to the monitor over the stage's pipes (the process that started
 * it) or over the monitor's control socket (any other: {@link Engine#attach}).
 */
public class Attachment implements AutoCloseable {
    private final FrameLink session;
    private volatile boolean detached;

    Attachment(FrameLink session) {
        this.session = session;
    }

    /** The streams of a process started outside the engine (berth-runtime's foreground run and exec). */
    public static Attachment of(StageSession session) {
        return new Attachment(session);
    }

    /**
     * Copies the process's stdout and stderr (a terminal has only stdout) until it exits, and
     * returns its exit code as docker reports it: the code, or 128 + the signal. Returns -1 when
     * the monitor went away without reporting an exit.
     */
    public int pipeOutput(OutputStream out, OutputStream err) throws IOException {
        return pipeOutput(out, err, null);
    }

    /**
     * As above; {@code logMarks} (may be null) receives each answer to {@link #askLogSize} in
     * line with the output: what was copied before it is in the log below that size, what
     * comes after it is beyond.
     */
    public int pipeOutput(OutputStream out, OutputStream err, java.util.function.LongConsumer logMarks)
        throws IOException {
        for (Frame f; (f = session.next()) != null; ) {
            switch (f.type()) {
                case Protocol.F_STDOUT -> {
                    out.write(f.payload());
                    out.flush();
                }
                case Protocol.F_STDERR -> {
                    err.write(f.payload());
                    err.flush();
                }
                case Protocol.F_LOGPOS -> {
                    if (logMarks != null && f.payload().length >= 8) {
                        logMarks.accept(ByteBuffer.wrap(f.payload()).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
                    }
                }
                case Protocol.F_EXIT -> {
                    return exited(WaitStatus.exitCode(f.intValue()));
                }
                default -> { }
            }
        }
        return exited(-1);
    }

    /** Called once the exit code is known; a container cleans up here. */
    protected int exited(int code) throws IOException {
        return code;
    }

    /** Tells the monitor that the container is removed, so its exit command need not run. */
    void confirmRemoved() {
        try {
            session.send(Frame.of(Protocol.F_REMOVED));
        } catch (IOException ignored) {
            // the monitor is gone already: it had nothing left to do
        }
    }

    public void write(byte[] data, int off, int len) throws IOException {
        byte[] chunk = new byte[len];
        System.arraycopy(data, off, chunk, 0, len);
        session.send(new Frame(Protocol.F_STDIN, chunk));
    }

    /**
     * Asks the monitor for the size of the container's log; the answer (-1 without a log) comes
     * to {@link #pipeOutput(OutputStream, OutputStream, java.util.function.LongConsumer)}.
     */
    public void askLogSize() throws IOException {
        session.send(Frame.of(Protocol.F_LOGPOS));
    }

    public void closeInput() throws IOException {
        session.send(Frame.of(Protocol.F_STDIN_EOF));
    }

    public void resize(int rows, int cols) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        session.send(new Frame(Protocol.F_RESIZE, b.putShort((short) rows).putShort((short) cols).array()));
    }

    /** Sends {@code signal} to the process (the container's PID 1, or the exec'd process). */
    public void signal(int signal) throws IOException {
        session.send(Frame.ofInt(Protocol.F_SIGNAL, signal));
    }

    /** True once {@link #detach} was called: an end of the output is then no exit. */
    public boolean detached() {
        return detached;
    }

    /** Stops listening; the process runs on under its monitor. */
    public void detach() {
        if (!detached) {
            detached = true;
            try {
                session.send(Frame.of(Protocol.F_DETACH));
            } catch (IOException ignored) {
                // the monitor already went away
            }
            session.close();
        }
    }

    @Override
    public void close() {
        detach();
    }
}
