package dev.berth.cli.oci;

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

    /** Where the caller's output goes: {@code fd} 1 or 2 and the bytes. */
    interface Sink {
        void write(int fd, byte[] b, int off, int len) throws IOException;
    }

    private final Path cwd;
    private final Map<String, String> env;
    private final Sink sink;

    Caller(Path cwd, Map<String, String> env, Sink sink) {
        this.cwd = cwd;
        this.env = env;
        this.sink = sink;
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
                CURRENT.get().sink.write(fd, b, off, len);
            } else {
                own.write(b, off, len);
            }
        }
    }
}
