package dev.berth.cli;

import dev.berth.engine.Attachment;
import dev.berth.linux.Signals;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import sun.misc.Signal;

/**
 * Connects the user's terminal to an attached container or exec: output, input, signals and
 * window size, as {@code docker run} and {@code docker exec} do in the foreground.
 */
public final class Streams {
    private static final String[] FORWARDED = {"INT", "TERM", "HUP", "USR2", "QUIT"};

    private Streams() {}

    /** Runs until the process exits and returns its exit code. */
    public static int attach(Attachment a, boolean stdin, boolean tty) throws IOException {
        String saved = tty && Terminal.isTerminal() ? Terminal.makeRaw() : null;
        try {
            forwardSignals(a, tty);
            if (stdin) {
                Thread t = new Thread(() -> pumpInput(a), "stdin");
                t.setDaemon(true);
                t.start();
            }
            OutputStream out = new FileOutputStream(FileDescriptor.out);
            OutputStream err = new FileOutputStream(FileDescriptor.err);
            int code = a.pipeOutput(out, err);
            return code < 0 ? ExitCodes.ENGINE : code;
        } finally {
            Terminal.restore(saved);
        }
    }

    private static void forwardSignals(Attachment a, boolean tty) {
        for (String name : FORWARDED) {
            try {
                int n = Signals.parse(name);
                Signal.handle(new Signal(name), s -> {
                    try {
                        a.signal(n);
                    } catch (IOException ignored) {
                        // the monitor is gone; the exit comes through the output stream
                    }
                });
            } catch (IllegalArgumentException e) {
                // the JVM reserves this signal: it is not forwarded
            }
        }
        if (tty) {
            try {
                Signal.handle(new Signal("WINCH"), s -> {
                    int[] size = Terminal.size();
                    try {
                        a.resize(size[0], size[1]);
                    } catch (IOException ignored) {
                        // as above
                    }
                });
            } catch (IllegalArgumentException e) {
                // no SIGWINCH: the size stays as it was at the start
            }
        }
    }

    private static void pumpInput(Attachment a) {
        InputStream in = new FileInputStream(FileDescriptor.in);
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                a.write(buf, 0, n);
            }
            a.closeInput();
        } catch (IOException ignored) {
            // the container exited or the monitor went away
        }
    }
}
