package dev.berth.runtime.events;

import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The event log every face of berth writes and reads ({@code docker events}): one JSON line per
 * event, in the shape of docker's events message, under {@code ROOT/events/}.
 *
 * <pre>
 * ROOT/events/events.log     the current file, appended to with O_APPEND, one write per line
 *                            (or per few lines of one operation), so lines of concurrent writers
 *                            (CLIs, the daemon, the monitors that log a container's die) never
 *                            interleave
 * ROOT/events/events.log.1   the previous file: past {@link #MAX_BYTES}, a writer renames the
 *                            current one over it, under ROOT/events/rotate.lock
 * </pre>
 *
 * A line is what {@code GET /events} streams: {@code Type}, {@code Action}, {@code Actor} (ID and
 * Attributes), {@code scope}, {@code time}, {@code timeNano}, and for containers and images the
 * legacy {@code status}, {@code id} and {@code from}. Logging never fails its caller: a full
 * disk loses the event, not the operation.
 */
public final class EventLog {
    /** Rotated past 1 MiB, as podman's events_logfile_max_size; two files are kept. */
    public static final long MAX_BYTES = 1 << 20;
    static final String CURRENT = "events.log";
    static final String PREVIOUS = "events.log.1";

    /** Placeholders in a {@link #template}: the exit code, the time in seconds, in nanoseconds. */
    public static final char EXIT_CODE = '\u0001';
    public static final char TIME = '\u0002';
    public static final char TIME_NANO = '\u0003';

    private final Path dir;
    private final long maxBytes;

    private EventLog(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
    }

    /** The log of the state root {@code root}. */
    public static EventLog at(Path root) {
        return new EventLog(root.resolve("events"), MAX_BYTES);
    }

    /** The same log, rotated at another size (tests). */
    public EventLog withMaxBytes(long bytes) {
        return new EventLog(dir, bytes);
    }

    public Path dir() {
        return dir;
    }

    /** The current file, which a monitor appends to by its path. */
    public Path file() {
        return dir.resolve(CURRENT);
    }

    /** Logs an event now; attributes are sorted by key, as docker's (a Go map) are. */
    public void log(String type, String action, String id, Map<String, String> attributes) {
        long now = Timestamps.nowNanos();
        append(line(type, action, id, attributes, String.valueOf(now / 1_000_000_000L), String.valueOf(now)));
    }

    /**
     * Logs several events of one object now, in order, with one write: a run's create and start
     * (each append locks, opens and writes the log: ~0.5 ms on a cold JVM).
     */
    public void log(String type, List<String> actions, String id, Map<String, String> attributes) {
        StringBuilder lines = new StringBuilder();
        for (String action : actions) {
            long now = Timestamps.nowNanos();
            lines.append(line(type, action, id, attributes, String.valueOf(now / 1_000_000_000L), String.valueOf(now)));
        }
        append(lines.toString());
    }

    /**
     * A line for someone else to complete and write (the monitor's die event): {@link #TIME} and
     * {@link #TIME_NANO} stand for the times, and an attribute whose value is {@link #EXIT_CODE}
     * for the exit code. Raw control characters never occur in JSON, so they cannot collide.
     */
    public static String template(String type, String action, String id, Map<String, String> attributes) {
        return line(type, action, id, attributes, String.valueOf(TIME), String.valueOf(TIME_NANO));
    }

    static String line(String type, String action, String id, Map<String, String> attributes, String time,
        String timeNano) {
        Map<String, String> attrs = new TreeMap<>(attributes);
        StringBuilder sb = new StringBuilder(256).append('{');
        boolean legacy = type.equals("container") || type.equals("image");
        if (legacy) { // docker fills these deprecated fields for containers and images only
            sb.append("\"status\":").append(quote(action)).append(",\"id\":").append(quote(id)).append(',');
            if (type.equals("container") && attrs.get("image") != null) {
                sb.append("\"from\":").append(quote(attrs.get("image"))).append(',');
            }
        }
        sb.append("\"Type\":").append(quote(type)).append(",\"Action\":").append(quote(action));
        sb.append(",\"Actor\":{\"ID\":").append(quote(id)).append(",\"Attributes\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : attrs.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append(quote(e.getKey())).append(':');
            String v = e.getValue() == null ? "" : e.getValue();
            sb.append(v.equals(String.valueOf(EXIT_CODE)) ? "\"" + EXIT_CODE + "\"" : quote(v));
        }
        sb.append("}},\"scope\":\"local\",\"time\":").append(time).append(",\"timeNano\":").append(timeNano);
        return sb.append("}\n").toString();
    }

    private static String quote(String s) {
        return Json.compact(s);
    }

    /** Writers of this JVM take turns: the JVM refuses two locks of one file from one process. */
    private static final Object WRITERS = new Object();

    /**
     * Appends one line (ending in a newline), or a few, with a single write, then rotates if due. Writers
     * hold a shared lock of {@code rotate.lock} while they write (the monitors too), and the
     * rotation an exclusive one, so no line lands in a file after it was renamed away: a
     * reader that finished the old file has every line of it.
     */
    public void append(String line) {
        try {
            ensureDir();
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            synchronized (WRITERS) {
                try (FileChannel lock = FileChannel.open(dir.resolve("rotate.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    long size;
                    java.nio.channels.FileLock shared = lock.lock(0, Long.MAX_VALUE, true);
                    try (FileChannel ch = FileChannel.open(file(), java.util.Set.of(StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE, StandardOpenOption.APPEND), PERMISSIONS)) {
                        ByteBuffer b = ByteBuffer.wrap(bytes);
                        while (b.hasRemaining()) {
                            ch.write(b);
                        }
                        size = ch.size();
                    } finally {
                        shared.release();
                    }
                    if (size > maxBytes) {
                        java.nio.channels.FileLock exclusive = lock.lock();
                        try {
                            rotate();
                        } finally {
                            exclusive.release();
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (System.getenv("BERTH_DEBUG") != null) {
                System.err.println("berth: cannot log an event in " + dir + ": " + e.getMessage());
            }
        }
    }

    private static final java.nio.file.attribute.FileAttribute<?> PERMISSIONS =
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private void ensureDir() throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    /** The current file becomes the previous one; one writer does it, the others find it done. */
    private void rotate() throws IOException {
        try {
            if (Files.size(file()) > maxBytes) {
                Files.move(file(), dir.resolve(PREVIOUS), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (NoSuchFileException e) {
            // rotated by another writer meanwhile
        }
    }

    /**
     * A reader from the oldest kept event ({@code fromStart}) or from now on; it follows the log
     * across rotations.
     */
    public EventReader reader(boolean fromStart) throws IOException {
        ensureDir();
        return new EventReader(dir, fromStart);
    }
}
