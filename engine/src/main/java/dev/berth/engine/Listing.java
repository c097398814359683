package dev.berth.engine;

import dev.berth.linux.Procs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Every container's state, each read and shaped again only when it changed: for a process that
 * lists often (the daemon's {@code GET /containers/json}), where {@link Engine#list} reads and
 * parses every {@code state.json} each time.
 *
 * <p>A container changed when its directory did: every writer of what a listing shows replaces
 * a file in it by a rename ({@code state.json}, the monitor's {@code exit}, {@code health.json})
 * or removes one ({@code state.json} at a removal), which sets the directory's mtime. What no
 * file records, a monitor that died without writing its exit, is checked on every call for the
 * running ones: their monitor's {@code /proc/PID} is still the directory it was (a stat, where
 * {@link Procs#alive} reads and parses {@code /proc/PID/stat}: 2 against 14 us). procfs makes a
 * new inode for a new process, so a reused pid has another inode number; one the kernel evicted
 * and made again for the same process only costs that full look once. A
 * directory whose mtime is within {@link #RACY_NANOS} of the clock when it was looked at may
 * change again within the same timestamp tick unseen (git's "racy" entries): it is not kept.
 */
public final class Listing<T> {
    /** What the caller makes of one container's state (refreshed, its own copy), once per change. */
    @FunctionalInterface
    public interface Shape<T> {
        T of(Map<String, Object> state);
    }

    /** Longer than the coarse clock's tick that file timestamps come from (a jiffy, 10 ms at most). */
    static final long RACY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private record Entry<T>(long mtime, Object key, T value, String created, long monitor, long monitorStart,
        Object monitorKey) {}

    private final Engine engine;
    private final Shape<T> shape;
    private Map<String, Entry<T>> entries = new HashMap<>();
    private long reads;

    public Listing(Engine engine, Shape<T> shape) {
        this.engine = engine;
        this.shape = shape;
    }

    /** Every container's shape, newest first. */
    public synchronized List<T> list() throws EngineException {
        Store store = engine.store();
        List<String> ids;
        try {
            ids = store.ids();
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot read " + store.root() + ": " + e.getMessage(), e);
        }
        Map<String, Entry<T>> next = new HashMap<>(ids.size() * 2);
        List<Entry<T>> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            Entry<T> e = entry(id, store.dir(id));
            if (e != null) {
                next.put(id, e);
                out.add(e);
            }
        }
        entries = next; // the removed ones go
        out.sort((a, b) -> b.created.compareTo(a.created));
        List<T> values = new ArrayList<>(out.size());
        for (Entry<T> e : out) {
            values.add(e.value);
        }
        return values;
    }

    /** How many states were read and shaped so far (for tests). */
    synchronized long reads() {
        return reads;
    }

    private Entry<T> entry(String id, Path dir) {
        BasicFileAttributes a;
        long now = System.currentTimeMillis() * 1_000_000L;
        try {
            a = Files.readAttributes(dir, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null; // as Engine.list: a container that cannot be read is not listed
        }
        long mtime = a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        Object key = a.fileKey();
        Entry<T> old = entries.get(id);
        if (old != null && old.mtime == mtime && key != null && key.equals(old.key)) {
            if (old.monitor == 0) {
                return old;
            }
            Object proc = procKey(old.monitor);
            if (proc != null && proc.equals(old.monitorKey)) {
                return old;
            }
            if (proc != null && Procs.alive(old.monitor, old.monitorStart)) {
                return new Entry<>(old.mtime, old.key, old.value, old.created, old.monitor, old.monitorStart, proc);
            }
        }
        Map<String, Object> s = engine.load(id); // after the stat: the state is at least as new as the stamp
        if (s == null) {
            return null;
        }
        reads++;
        long monitor = 0;
        long monitorStart = 0;
        Object monitorKey = null;
        if (Inspect.isRunning(s)) {
            Map<String, Object> st = Inspect.state(s);
            monitor = Inspect.num(st.get("MonitorPid"));
            monitorStart = Inspect.num(st.get("MonitorStartTime"));
            // taken before the full look: an inode of a later process would fail the next check
            monitorKey = monitor > 0 ? procKey(monitor) : null;
            if (monitorKey == null || !Procs.alive(monitor, monitorStart)) {
                mtime = Long.MIN_VALUE; // nothing to check it by (or it just ended): read every time
            }
        }
        if (mtime > now - RACY_NANOS) {
            mtime = Long.MIN_VALUE; // may change again unseen: read again next time
        }
        String created = String.valueOf(s.get("Created"));
        return new Entry<>(mtime, key, shape.of(s), created, monitor, monitorStart, monitorKey);
    }

    /** The identity of {@code /proc/PID}'s inode; null when there is no such process. */
    private static Object procKey(long pid) {
        try {
            return Files.readAttributes(Path.of("/proc/" + pid), BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }
}
