package dev.berth.cli.oci;

import dev.berth.engine.Attachment;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * Whom a berth-runtime command runs for: this process, or a client of the runtime server, whose
 * working directory, environment and output differ from the server's. Paths and variables the
 * command takes from its caller go through here.
 */
final class Caller {
    static final ScopedValue<Caller> CURRENT = ScopedValue.newInstance();

    /** The process the command runs for, as the runtime server reaches it. */
    interface Client {
        /** Where the caller's output goes: {@code fd} 1 or 2 and the bytes. */
        void write(int fd, byte[] b, int off, int len) throws IOException;

        /**
         * Waits for a process run in the foreground and returns its exit status (128 + the
         * signal that killed it), passing on the caller's signals, and with {@code terminal}
         * its terminal, as runc does.
         */
        int attach(Attachment a, boolean terminal) throws IOException;
    }

    private final Path cwd;
    private final Map<String, String> env;
    private final Client client;

    Caller(Path cwd, Map<String, String> env, Client client) {
        this.cwd = cwd;
        this.env = env;
        this.client = client;
    }

    /** The client of a call the runtime server runs, or null when this process is the caller. */
    static Client client() {
        return CURRENT.isBound() ? CURRENT.get().client : null;
    }

    /** A path argument as the caller meant it: relative to the caller's working directory. */
    static Path path(String s) {
        return CURRENT.isBound() ? CURRENT.get().cwd.resolve(s) : Path.of(s).toAbsolutePath();
    }

    static String env(String name) {
        return CURRENT.isBound() ? CURRENT.get().env.get(name) : System.getenv(name);
    }

    /** Sends System.out and System.err of a server's request threads to their caller. */
    static void routeStandardStreams() {
        System.setOut(new PrintStream(new Routed(1, System.out), true));
        System.setErr(new PrintStream(new Routed(2, System.err), true));
    }

    private static final class Routed extends OutputStream {
        private final int fd;
        private final PrintStream own;

        Routed(int fd, PrintStream own) {
            this.fd = fd;
            this.own = own;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (CURRENT.isBound()) {
                CURRENT.get().client.write(fd, b, off, len);
            } else {
                own.write(b, off, len);
            }
        }
    }
}
