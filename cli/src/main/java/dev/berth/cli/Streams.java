package dev.berth.cli;

import dev.berth.engine.Attachment;
import dev.berth.engine.DetachKeys;
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
    private static final Object SIGNALS = new Object();
    /** Signals received while held, before the attach; null when not holding. */
    private static java.util.List<Integer> held;
    /** Where our caller's signals go once attached; null before, and after, the attach. */
    private static Attachment target;

    private Streams() {}

    /** Runs until the process exits and returns its exit code. */
    public static int attach(Attachment a, boolean stdin, boolean tty) throws IOException {
        return attach(a, stdin, tty, true, null, true);
    }

    /**
     * As docker's attached streams: {@code closeInput} ends the container's stdin with ours
     * (its StdinOnce), {@code detachKeys} typed on a terminal leave it running (exit 0), and
     * {@code sigProxy} passes our signals on.
     */
    static int attach(Attachment a, boolean stdin, boolean tty, boolean closeInput, byte[] detachKeys,
        boolean sigProxy) throws IOException {
        String saved = tty && Terminal.isTerminal() ? Terminal.makeRaw() : null;
        try {
            forwardSignals(a, tty, sigProxy);
            if (tty && saved != null) {
                int[] size = Terminal.size();
                a.resize(size[0], size[1]);
            }
            if (stdin) {
                byte[] keys = tty ? detachKeys : null; // docker reads them on a terminal only
                Thread t = new Thread(() -> pumpInput(a, closeInput, keys), "stdin");
                t.setDaemon(true);
                t.start();
            }
            OutputStream out = new FileOutputStream(FileDescriptor.out);
            OutputStream err = new FileOutputStream(FileDescriptor.err);
            int code;
            try {
                code = a.pipeOutput(out, err);
            } catch (IOException e) {
                if (!a.detached()) {
                    throw e;
                }
                code = 0;
            }
            if (a.detached()) {
                return 0;
            }
            return code < 0 ? ExitCodes.ENGINE : code;
        } finally {
            synchronized (SIGNALS) {
                target = null;
            }
            Terminal.restore(saved);
        }
    }

    /** docker's --detach-keys ({@link DetachKeys#parse}); null when the text is not that. */
    static byte[] detachKeys(String spec) {
        return DetachKeys.parse(spec);
    }

    /**
     * From now until the attach, our caller's signals are kept for the process instead of ending
     * this JVM: berth-runtime's foreground process runs on our caller's stdio, so it can print,
     * and be signalled, before the attach installs the forwarding.
     */
    public static void holdSignals() {
        synchronized (SIGNALS) {
            held = new java.util.ArrayList<>();
        }
        handleForwarded();
    }

    /**
     * One handler for both phases, installed before the attach when held: the JVM picks a
     * signal's handler when the signal arrives but runs it later on a thread of its own, so a
     * handler replaced at the attach could still run after the held signals were passed on, and
     * its signal would be lost (a foreground exec's SIGTERM under nohup, now and then).
     */
    private static void handleForwarded() {
        for (String name : FORWARDED) {
            try {
                int n = Signals.parse(name);
                Signal.handle(new Signal(name), s -> received(n));
            } catch (IllegalArgumentException e) {
                // reserved by the JVM, or ignored by our caller: not ours to pass on
            }
        }
    }

    private static void received(int n) {
        Attachment to;
        synchronized (SIGNALS) {
            if (target == null) {
                if (held != null) {
                    held.add(n);
                }
                return;
            }
            to = target;
        }
        try {
            to.signal(n);
        } catch (IOException ignored) {
            // the monitor is gone; the exit comes through the output stream
        }
    }

    private static void forwardSignals(Attachment a, boolean tty, boolean proxy) {
        if (proxy) {
            handleForwarded();
        }
        java.util.List<Integer> early;
        synchronized (SIGNALS) {
            target = proxy ? a : null;
            early = held;
            held = null;
        }
        for (int n : early == null ? java.util.List.<Integer>of() : early) {
            try {
                a.signal(n);
            } catch (IOException ignored) {
                // as in received
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

    private static void pumpInput(Attachment a, boolean closeInput, byte[] detachKeys) {
        InputStream in = new FileInputStream(FileDescriptor.in);
        byte[] buf = new byte[8192];
        DetachKeys scanner = detachKeys == null ? null : new DetachKeys(detachKeys);
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                if (scanner == null) {
                    a.write(buf, 0, n);
                    continue;
                }
                DetachKeys.Step step = scanner.feed(buf, n);
                if (step.len() > 0) {
                    a.write(step.pass(), 0, step.len());
                }
                if (step.detach()) {
                    a.detach();
                    return;
                }
            }
            if (closeInput) {
                a.closeInput();
            }
        } catch (IOException ignored) {
            // the container exited or the monitor went away
        }
    }
}
