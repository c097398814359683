package dev.berth.engine;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Reads a container log in the CRI format the monitor writes
 * ({@code TIME STREAM F|P TEXT}, P for a line continued in the next record) and prints it as
 * {@code docker logs} does, optionally with timestamps, the last N lines, and following.
 */
public final class LogReader {
    private final Engine engine;
    private final String id;
    private final Path file;

    LogReader(Engine engine, String id, Path file) {
        this.engine = engine;
        this.id = id;
        this.file = file;
    }

    /** One output line, joined from its partial records. */
    private record Line(String time, boolean stderr, String text) {}

    /**
     * Copies the log to {@code out} and {@code err}.
     *
     * @param tail the number of last lines, or negative for all
     * @param follow keep printing new output until the container stops
     */
    public void copy(OutputStream out, OutputStream err, int tail, boolean timestamps, boolean follow)
        throws IOException, EngineException {
        copy(out, err, tail, timestamps, follow, 0, 0);
    }

    /**
     * As above, keeping only lines written at or after {@code sinceNanos} and (if not 0) before
     * {@code untilNanos}, in nanoseconds since the epoch (docker logs --since, --until).
     */
    public void copy(OutputStream out, OutputStream err, int tail, boolean timestamps, boolean follow,
        long sinceNanos, long untilNanos) throws IOException, EngineException {
        if (sinceNanos > 0 || untilNanos > 0) {
            out = new Window(out, sinceNanos, untilNanos);
            err = new Window(err, sinceNanos, untilNanos);
        }
        copyAll(out, err, tail, timestamps, follow);
    }

    /**
     * Copies the log's records below byte {@code end} as they are, a line's last piece included
     * even when its end comes later: what an attachment that joined the output at that point
     * goes on with ({@link Attachment#askLogSize}). A negative {@code end} copies the whole log.
     */
    public void copyUpTo(OutputStream out, OutputStream err, long end) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        try (var in = Files.newInputStream(file)) {
            long left = end < 0 ? Long.MAX_VALUE : end;
            byte[] buf = new byte[65536];
            java.io.ByteArrayOutputStream rec = new java.io.ByteArrayOutputStream(256);
            for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0; left -= n) {
                int from = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        rec.write(buf, from, i - from);
                        record(rec.toByteArray(), out, err);
                        rec.reset();
                        from = i + 1;
                    }
                }
                rec.write(buf, from, n - from); // a record the next read completes
            }
        }
        out.flush();
        err.flush();
    }

    /** One record, {@code TIME STREAM F|P TEXT}: its text, and the line's end after an F. */
    private static void record(byte[] r, OutputStream out, OutputStream err) throws IOException {
        int a = indexOf(r, 0);
        int c = a < 0 ? -1 : indexOf(r, a + 1);
        if (c < 0 || c + 1 >= r.length) {
            return;
        }
        int text = Math.min(c + 3, r.length);
        boolean full = r[c + 1] == 'F';
        byte[] piece = java.util.Arrays.copyOfRange(r, text, r.length + (full ? 1 : 0));
        if (full) {
            piece[piece.length - 1] = '\n';
        }
        if (piece.length > 0) {
            boolean stderr = c - a == 7 && r[a + 4] == 'e'; // "stderr", else "stdout"
            (stderr ? err : out).write(piece);
        }
    }

    private static int indexOf(byte[] r, int from) {
        for (int i = from; i < r.length; i++) {
            if (r[i] == ' ') {
                return i;
            }
        }
        return -1;
    }

    private void copyAll(OutputStream out, OutputStream err, int tail, boolean timestamps, boolean follow)
        throws IOException, EngineException {
        if (!Files.exists(file)) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            StringBuilder pending = new StringBuilder();
            Deque<Line> lines = new ArrayDeque<>();
            readAvailable(raf, pending, lines, tail);
            print(lines, out, err, timestamps);
            while (follow) {
                boolean running = Inspect.isRunning(engine.inspect(id));
                readAvailable(raf, pending, lines, -1);
                print(lines, out, err, timestamps);
                if (!running) {
                    return;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static void readAvailable(RandomAccessFile raf, StringBuilder partial, Deque<Line> lines,
        int tail) throws IOException {
        long start = raf.getFilePointer();
        long end = raf.length();
        if (end <= start) {
            return;
        }
        byte[] buf = new byte[(int) Math.min(end - start, Integer.MAX_VALUE - 16)];
        raf.readFully(buf);
        int consumed = 0;
        for (int i = 0; i < buf.length; i++) {
            if (buf[i] != '\n') {
                continue;
            }
            String rec = new String(buf, consumed, i - consumed, StandardCharsets.UTF_8);
            consumed = i + 1;
            String[] f = rec.split(" ", 4);
            if (f.length < 3) {
                continue;
            }
            partial.append(f.length == 4 ? f[3] : "");
            if (f[2].equals("F")) {
                lines.add(new Line(f[0], f[1].equals("stderr"), partial.append('\n').toString()));
                partial.setLength(0);
                if (tail >= 0 && lines.size() > tail) {
                    lines.removeFirst();
                }
            }
        }
        raf.seek(start + consumed); // an incomplete last record is read again next time
    }

    private static void print(Deque<Line> lines, OutputStream out, OutputStream err, boolean timestamps)
        throws IOException {
        for (Line l; (l = lines.pollFirst()) != null; ) {
            OutputStream o = l.stderr() ? err : out;
            if (o instanceof Window w && !w.admits(l.time())) {
                continue;
            }
            String text = timestamps ? l.time() + " " + l.text() : l.text();
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
        out.flush();
        err.flush();
    }

    /** An output that takes only the lines of a time window (the check is made by {@link #print}). */
    private static final class Window extends java.io.FilterOutputStream {
        private final long since;
        private final long until;

        Window(OutputStream out, long since, long until) {
            super(out);
            this.since = since;
            this.until = until;
        }

        boolean admits(String time) {
            long t = dev.berth.runtime.Timestamps.parse(time);
            return t >= since && (until == 0 || t < until);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }
    }
}
