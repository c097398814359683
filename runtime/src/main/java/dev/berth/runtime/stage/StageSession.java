package dev.berth.runtime.stage;

import dev.berth.linux.netlink.NetlinkTransport;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * One conversation with a freshly spawned stage: hello, program, then the container's life.
 *
 * <pre>{@code
 * try (StageSession s = StageSession.start(program, log)) {
 *     long pid = s.awaitCreated();   // namespaces and mounts are ready, the command is not run
 *     s.go();
 *     s.awaitStarted();              // execve succeeded
 *     for (Frame f; (f = s.next()) != null; ) { ... F_STDOUT, F_STDERR, F_EXIT ... }
 * }
 * }</pre>
 *
 * The stage is the one {@code bin/berth} forked before the JVM started, if this JVM has it (see
 * {@link LaunchedStage}), or else one started with {@link ProcessBuilder}: on a cold JVM that
 * costs far less than linking a {@code posix_spawn} downcall, and the stage does every system
 * call anyway. It is spoken to over pipes. Closing the session only detaches: the monitor lives
 * on.
 */
public final class StageSession implements FrameLink {
    private final Process process; // null for the stage the launcher forked
    private final DataInputStream in;
    private final OutputStream out;
    private Program program; // null until run(), for begin()
    private long pid;

    private StageSession(Process process, InputStream in, OutputStream out, Program program) {
        this.process = process;
        this.program = program;
        this.in = new DataInputStream(new BufferedInputStream(in, 65536));
        this.out = out;
        this.pid = process != null ? process.pid() : -1;
    }

    /**
     * Takes the launcher's stage if there is one, else the spare, else spawns a stage; checks its protocol
     * version, points its diagnostics at {@code stderrLog} and sends the program.
     */
    public static StageSession start(Program program, Path stderrLog)
        throws IOException, StageException {
        StageSession s = begin(stderrLog);
        s.run(program);
        return s;
    }

    /**
     * Takes a stage as {@link #start} does and sends its hello now, for a program that {@link #run}
     * sends later: the stage wakes up and opens {@code stderrLog} while the caller still works
     * the program out. A caller that gives up before {@link #run} must {@link #kill} it.
     */
    public static StageSession begin(Path stderrLog) throws IOException {
        StageSession s = take(null);
        try {
            s.sendHello(stderrLog);
            return s;
        } catch (IOException | RuntimeException e) {
            s.kill();
            throw e;
        }
    }

    /** Sends the program to a stage from {@link #begin} and checks its hello; kills it on failure. */
    public void run(Program program) throws IOException, StageException {
        if (this.program != null) {
            throw new IllegalStateException("this stage has its program");
        }
        this.program = program;
        try {
            // the program right behind the hello: the stage reads it once it has replied, and this
            // JVM encodes it meanwhile instead of waiting for the reply first (a wake-up of the
            // stage and one of this thread, on a loaded machine a millisecond or more)
            IOException unsent = null;
            try {
                send(new Frame(Protocol.F_PROGRAM, program.encode()));
            } catch (IOException e) {
                unsent = e; // a stage that refused the hello is gone: its reply says why
            }
            awaitHello();
            if (unsent != null) {
                throw unsent;
            }
            SpareStage.refill(); // the next spare, while this one sets its container up and this thread waits
        } catch (IOException | StageException | RuntimeException e) {
            kill();
            throw e;
        }
    }

    /** A stage past its hello, for a question rather than a container ({@link NsScanner}). */
    static StageSession open(Path stderrLog) throws IOException, StageException {
        return open(new Program(), stderrLog);
    }

    private static StageSession open(Program program, Path stderrLog) throws IOException, StageException {
        StageSession s = take(program);
        try {
            s.sendHello(stderrLog);
            s.awaitHello();
            return s;
        } catch (IOException | StageException | RuntimeException e) {
            s.kill();
            throw e;
        }
    }

    private static StageSession take(Program program) throws IOException {
        LaunchedStage.Pipes launched = LaunchedStage.take();
        if (launched != null) {
            return new StageSession(null, launched.in(), launched.out(), program);
        }
        Process p = SpareStage.take();
        if (p == null) {
            p = SpareStage.spawn();
        }
        return new StageSession(p, p.getInputStream(), p.getOutputStream(), program);
    }

    private void sendHello(Path stderrLog) throws IOException {
        byte[] log = stderrLog == null ? new byte[0]
            : stderrLog.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        send(new Frame(Protocol.F_HELLO,
            Frame.le(8 + log.length).putInt(Protocol.MAGIC).putInt(Protocol.VERSION).put(log).array()));
    }

    private void awaitHello() throws IOException, StageException {
        Frame reply = expect(Protocol.F_HELLO);
        if (reply.payload().length < 12 || reply.intValue() != Protocol.MAGIC) {
            throw new IOException("stage protocol: bad hello from " + Stage.locate());
        }
        pid = Frame.le(12).put(reply.payload(), 0, 12).getInt(8);
        dev.berth.runtime.Trace.monitor(pid);
    }

    /** Waits until the container is set up; returns the host pid of its first process. */
    public long awaitCreated() throws IOException, StageException {
        return expect(Protocol.F_CREATED).intValue();
    }

    /**
     * Waits until the set-up reaches its OP_PAUSE; returns the host pid of the waiting process.
     * {@link #go} lets it carry on.
     */
    public long awaitPaused() throws IOException, StageException {
        return expect(Protocol.F_PAUSED).intValue();
    }

    /** Lets the container run its command (or, at an OP_PAUSE, carry on with its set-up). */
    public void go() throws IOException {
        send(Frame.of(Protocol.F_GO));
    }

    /**
     * A netlink socket of {@code protocol} that the monitor holds until {@link #go}, in its own
     * network namespace (the host's, for the engine) or, with {@code container}, the container's:
     * between {@link #awaitCreated} and {@link #go} only, one request at a time.
     */
    public NetlinkTransport netlink(boolean container, int protocol) {
        return new StageNetlink(this, container, protocol);
    }

    /** Sends {@code question} and returns the answer, a frame of {@code type}. */
    Frame ask(Frame question, byte type) throws IOException, StageException {
        send(question);
        return expect(type);
    }

    /** Waits for the command's successful execve, or for the error that prevented it. */
    public void awaitStarted() throws IOException, StageException {
        expect(Protocol.F_STARTED);
    }

    /** The next frame from the monitor (output or exit), or null when it closed the stream. */
    @Override
    public Frame next() throws IOException {
        return Frame.read(in);
    }

    @Override
    public void send(Frame frame) throws IOException {
        frame.write(out);
    }

    /** The pid of the monitor, which is the stage process itself. */
    public long monitorPid() {
        return pid;
    }

    /** Stops the stage when the conversation failed before the container started. */
    public void kill() {
        SpareStage.refill();
        if (process != null) {
            process.destroyForcibly();
        } else if (pid > 0) {
            // our child until this JVM exits (nobody reaps it), so the pid cannot be reused
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        close();
    }

    @Override
    public void close() {
        SpareStage.refill(); // a session that never got a program (a question)
        try {
            out.close();
        } catch (IOException ignored) {
            // the monitor is gone or detached: nothing to tell it
        }
        try {
            in.close();
        } catch (IOException ignored) {
            // as above
        }
    }

    private Frame expect(byte type) throws IOException, StageException {
        Frame f = Frame.read(in);
        if (f == null) {
            throw new IOException("the berth stage exited unexpectedly (exit status "
                + waitBriefly() + ")");
        }
        if (f.type() == Protocol.F_ERROR) {
            throw error(f);
        }
        if (f.type() != type) {
            throw new IOException("stage protocol: expected frame '" + (char) type + "', got '"
                + (char) f.type() + "'");
        }
        return f;
    }

    private StageException error(Frame f) {
        var b = Frame.le(8).put(f.payload(), 0, 8).flip();
        int step = b.getInt();
        int errno = b.getInt();
        String detail = new String(f.payload(), 8, f.payload().length - 8,
            java.nio.charset.StandardCharsets.UTF_8);
        return new StageException(step, errno, detail, program == null ? null : program.describe(step));
    }

    private String waitBriefly() {
        if (process == null) {
            return "unknown";
        }
        try {
            if (process.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) {
                return String.valueOf(process.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }
}
