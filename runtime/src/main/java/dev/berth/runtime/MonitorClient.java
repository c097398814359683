package dev.berth.runtime;

import dev.berth.runtime.stage.Frame;
import dev.berth.runtime.stage.FrameLink;
import dev.berth.runtime.stage.Protocol;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A connection to a running container's monitor over its {@code ctl.sock}: send a signal, wait
 * for the exit, or attach to the output. Works from any process, with no JVM-side state.
 */
public final class MonitorClient implements FrameLink {
    private final SocketChannel channel;
    private final DataInputStream in;
    private final OutputStream out;

    private MonitorClient(SocketChannel channel) {
        this.channel = channel;
        this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel)));
        this.out = Channels.newOutputStream(channel);
    }

    /** Connects to the monitor of the container whose state directory is {@code stateDir}. */
    public static MonitorClient connect(Path stateDir) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(stateDir.resolve("ctl.sock")));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new MonitorClient(ch);
    }

    /** Asks the monitor to send {@code signal} to the container's first process. */
    public void signal(int signal) throws IOException {
        Frame.ofInt(Protocol.F_SIGNAL, signal).write(out);
        Frame ack = Frame.read(in);
        if (ack == null || ack.type() != Protocol.F_ACK) {
            throw new IOException("the monitor did not acknowledge the signal");
        }
    }

    /** Blocks until the container exits; returns the raw wait status, or null if the monitor died. */
    public Integer awaitExit() throws IOException {
        Frame.of(Protocol.F_WAIT).write(out);
        for (Frame f; (f = Frame.read(in)) != null; ) {
            if (f.type() == Protocol.F_EXIT) {
                return f.intValue();
            }
        }
        return null;
    }

    /** Subscribes to output and exit frames; read them with {@link #next()}. */
    public void attach() throws IOException {
        Frame.of(Protocol.F_ATTACH).write(out);
    }

    @Override
    public Frame next() throws IOException {
        return Frame.read(in);
    }

    @Override
    public void send(Frame f) throws IOException {
        f.write(out);
    }

    public InputStream input() {
        return in;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to say to the monitor
        }
    }
}
