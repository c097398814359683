package dev.berth.cli.oci;

import dev.berth.engine.Attachment;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One call's C client ({@code native/stage/client.c}) as the runtime server sees it: frames out
 * (acceptance, output, terminal, exit status) and, for a process in the foreground, frames in
 * (the signals, window size and terminal input of the client's caller), which go to the
 * process's monitor as berth's own foreground {@code run} sends them.
 */
final class RuntimeClient implements Caller.Client {
    /** As {@code Streams.attach}: the monitor went away without an exit status. */
    private static final int MONITOR_GONE = 125;

    private final SocketChannel conn;
    private final OutputStream out;
    /** Signals that came before the process started; runc too forwards them once it runs. */
    private final List<Integer> early = new ArrayList<>();
    private Attachment attached;

    RuntimeClient(SocketChannel conn) {
        this.conn = conn;
        this.out = Channels.newOutputStream(conn);
    }

    void decline(String why) throws IOException {
        frame('f', why.getBytes(StandardCharsets.UTF_8));
    }

    /** Takes the call; with {@code foreground}, the client forwards its caller's signals from now on. */
    void accept(boolean foreground) throws IOException {
        frame('a', new byte[] {(byte) (foreground ? '1' : '0')});
        if (foreground) {
            Thread.ofPlatform().daemon().name("client").start(this::listen);
        }
    }

    void exit(int code) throws IOException {
        frame('x', Integer.toString(code).getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void write(int fd, byte[] b, int off, int len) throws IOException {
        frame(fd == 1 ? 'o' : 'e', Arrays.copyOfRange(b, off, off + len));
    }

    @Override
    public int attach(Attachment a, boolean terminal) throws IOException {
        synchronized (this) {
            attached = a;
            for (int s : early) {
                signal(a, s);
            }
            early.clear();
        }
        try {
            if (terminal) {
                frame('t', new byte[0]);
            }
            int code = a.pipeOutput(stream(1), stream(2));
            return code < 0 ? MONITOR_GONE : code;
        } finally {
            synchronized (this) {
                attached = null;
            }
        }
    }

    /** Reads the client's frames until it closes the connection or the call ends. */
    private void listen() {
        InputStream in = Channels.newInputStream(conn);
        try {
            while (true) {
                int type = in.read();
                byte[] len = in.readNBytes(4);
                if (type < 0 || len.length < 4) {
                    return; // the client is gone; the process runs on, as after a killed runc
                }
                int n = (len[0] & 0xff) | (len[1] & 0xff) << 8 | (len[2] & 0xff) << 16 | (len[3] & 0xff) << 24;
                if (n < 0 || n > 1 << 20) {
                    return;
                }
                received(type, in.readNBytes(n));
            }
        } catch (IOException | RuntimeException e) {
            // the call ended and closed the connection, or the client broke the protocol
        }
    }

    private synchronized void received(int type, byte[] payload) throws IOException {
        String text = new String(payload, StandardCharsets.US_ASCII);
        if (type == 'k') {
            int s = Integer.parseInt(text);
            if (attached != null) {
                signal(attached, s);
            } else {
                early.add(s);
            }
        } else if (attached == null) {
            return; // input and sizes only follow 't', which only an attached call sends
        } else if (type == 'w') {
            String[] f = text.split(" ");
            attached.resize(Integer.parseInt(f[0]), Integer.parseInt(f[1]));
        } else if (type == 'i') {
            attached.write(payload, 0, payload.length);
        } else if (type == 'c') {
            attached.closeInput();
        }
    }

    private static void signal(Attachment a, int s) {
        try {
            a.signal(s);
        } catch (IOException e) {
            // the monitor is gone: the exit status is on its way
        }
    }

    private OutputStream stream(int fd) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                RuntimeClient.this.write(fd, b, off, len);
            }
        };
    }

    private void frame(char type, byte[] data) throws IOException {
        int n = data.length;
        synchronized (out) {
            out.write(new byte[] {(byte) type, (byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24)});
            out.write(data);
            out.flush();
        }
    }
}
