package dev.berth.runtime.events;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the event log's lines as they come, across rotations: once the current file's name
 * points to another file (a writer rotated it), the old one is read to its end, then the
 * previous file if it is not the old one (a second rotation since the last look), then the new
 * one from its start. A reader that falls three rotations behind (3 MiB of events between two
 * looks) misses the file in between. Lines are whole: a line is written with one write, and a read that ends in
 * the middle of one keeps the start for the next {@link #poll}.
 */
public final class EventReader implements AutoCloseable {
    private final Path current;
    private final Path previous;
    private FileChannel ch;
    private Object key;
    private boolean onPrevious;
    /** From the start, and nothing was there yet: the previous file first, once there is one. */
    private boolean fromStart;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);

    EventReader(Path dir, boolean fromStart) throws IOException {
        this.current = dir.resolve(EventLog.CURRENT);
        this.previous = dir.resolve(EventLog.PREVIOUS);
        if (fromStart && open(previous)) {
            onPrevious = true;
        } else if (open(current) && !fromStart) {
            ch.position(ch.size());
        }
        this.fromStart = fromStart && ch == null;
    }

    /** Opens {@code p} and notes which file it is; false when there is none. */
    private boolean open(Path p) throws IOException {
        for (int i = 0; i < 10; i++) {
            Object before = key(p);
            if (before == null) {
                return false;
            }
            FileChannel c;
            try {
                c = FileChannel.open(p, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                continue;
            }
            if (before.equals(key(p))) { // not rotated between the look and the open
                ch = c;
                key = before;
                return true;
            }
            c.close();
        }
        return false;
    }

    private static Object key(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** The lines (without their newline) written since the last call; empty when there are none. */
    public List<String> poll() throws IOException {
        List<String> out = new ArrayList<>();
        for (int hops = 0; hops < 4; hops++) {
            if (ch == null && fromStart && open(previous)) {
                onPrevious = true;
            }
            if (ch == null && !open(current)) {
                return out;
            }
            fromStart = false;
            read(out);
            Object now = key(current);
            if (!onPrevious && (now == null || now.equals(key))) {
                return out;
            }
            read(out); // what a writer that opened it before the rotation still appended
            Object done = key;
            boolean wasPrevious = onPrevious;
            ch.close();
            ch = null;
            key = null;
            onPrevious = false;
            partial.reset();
            // rotated twice since the last look: the file in between is the previous one now
            Object prev = key(previous);
            if (!wasPrevious && prev != null && !prev.equals(done) && open(previous)) {
                onPrevious = true;
            }
        }
        return out;
    }

    private void read(List<String> out) throws IOException {
        for (;;) {
            buf.clear();
            int n = ch.read(buf);
            if (n <= 0) {
                return;
            }
            byte[] a = buf.array();
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (a[i] == '\n') {
                    partial.write(a, start, i - start);
                    String line = partial.toString(StandardCharsets.UTF_8);
                    partial.reset();
                    if (!line.isBlank()) {
                        out.add(line);
                    }
                    start = i + 1;
                }
            }
            partial.write(a, start, n - start);
        }
    }

    @Override
    public void close() throws IOException {
        if (ch != null) {
            ch.close();
            ch = null;
        }
    }
}
