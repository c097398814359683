package dev.berth.api;

import dev.berth.engine.Attachment;
import dev.berth.engine.Container;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * What the daemon holds of the containers it started: their streams, fanned out to every
 * attached client, and the exit codes it saw (an auto-remove container is gone by the time a
 * client asks). Everything else is read from the state directory.
 */
final class Live {
    /** A client attached to a container's output (and maybe its input). */
    static final class Sink {
        final OutputStream stdout;
        final OutputStream stderr;
        final CountDownLatch done = new CountDownLatch(1);
        /** The log's size when this sink joined the output, once it did (-1: the log whole, see {@link #join}). */
        final java.util.concurrent.CompletableFuture<Long> mark = new java.util.concurrent.CompletableFuture<>();
        private volatile boolean dead;
        /** Output that came while the client is still given the log; null once it is released. */
        private volatile List<Object[]> held;

        /** {@code stdout}/{@code stderr} null for a stream the client did not ask for. */
        Sink(OutputStream stdout, OutputStream stderr) {
            this.stdout = stdout;
            this.stderr = stderr;
        }

        /** A sink that holds the output it receives until {@link #release}: the log comes first. */
        static Sink holding(OutputStream stdout, OutputStream stderr) {
            Sink k = new Sink(stdout, stderr);
            k.held = new java.util.ArrayList<>();
            return k;
        }

        void write(boolean err, byte[] b, int off, int len) {
            if (held != null) {
                synchronized (this) {
                    if (held != null) {
                        held.add(new Object[] {err, java.util.Arrays.copyOfRange(b, off, off + len)});
                        return;
                    }
                }
            }
            direct(err, b, off, len);
        }

        private void direct(boolean err, byte[] b, int off, int len) {
            OutputStream o = err ? stderr : stdout;
            if (o == null || dead) {
                return;
            }
            try {
                o.write(b, off, len);
            } catch (IOException e) {
                end(); // the client went away: the container goes on
            }
        }

        /**
         * Writes what was held, in order, and lets the output through from now on. The output
         * that comes meanwhile waits for this sink's lock (held is still set): it goes after.
         */
        synchronized void release() {
            if (held != null) {
                for (Object[] w : held) {
                    byte[] b = (byte[]) w[1];
                    direct((Boolean) w[0], b, 0, b.length);
                }
                held = null;
            }
        }

        void end() {
            dead = true;
            mark.complete(-1L);
            done.countDown();
        }
    }

    /** One run of a container, from the first attach or start to its exit. */
    static final class Session {
        final String id;
        final List<Sink> sinks = new CopyOnWriteArrayList<>();
        /** Sinks waiting to join at the monitor's next log mark (guarded by this session). */
        private final List<Sink> joining = new java.util.ArrayList<>();
        final CountDownLatch started = new CountDownLatch(1);
        volatile Attachment attachment;
        volatile boolean ended;
        /** This daemon is starting the container: its own attachment comes with the start. */
        volatile boolean starting;
        /** Attached through the monitor's control socket: a container this daemon did not start. */
        volatile boolean adopted;

        Session(String id) {
            this.id = id;
        }

        void add(Sink s) {
            sinks.add(s);
            if (ended) {
                s.end();
            }
        }

        void remove(Sink s) {
            sinks.remove(s);
        }

        /** The monitor's answer, in line with the output: the sinks waiting join here. */
        synchronized void marked(long logSize) {
            for (Sink k : joining) {
                sinks.add(k);
                k.mark.complete(logSize);
            }
            joining.clear();
        }

        private void end() {
            ended = true;
            started.countDown();
            synchronized (this) {
                sinks.addAll(joining); // they see the end below; all of their run is in the log
                joining.clear();
            }
            for (Sink s : sinks) {
                s.end();
            }
        }
    }

    /**
     * How many exit codes of ended runs are kept, for a wait that reads its container's after
     * the container was removed (docker run --rm: the removal comes first, then the waiting
     * client's next look, within 100 ms). 4096 held 650 KB once a soak's runs had filled it,
     * the last of the daemon's idle memory that grew with the runs (docs/reliability.md).
     */
    static final int EXITS_KEPT = 256;

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Integer> exits = java.util.Collections.synchronizedMap(
        new LinkedHashMap<String, Integer>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> e) {
                return size() > EXITS_KEPT;
            }
        });
    private final Object changes = new Object();

    Session session(String id) {
        return sessions.computeIfAbsent(id, Session::new);
    }

    Session existing(String id) {
        return sessions.get(id);
    }

    /** The exit code of the last run this daemon saw end, or null. */
    Integer exitCode(String id) {
        return exits.get(id);
    }

    /**
     * Adds a sink that is to see the log first and then the live output, with nothing lost or
     * repeated between the two (docker's attach with logs=1&stream=1): it joins the output at a
     * mark the monitor sends in line with it, the log's size at that point
     * ({@link Attachment#askLogSize}); the caller copies the log up to the returned size
     * ({@code LogReader.copyUpTo}), then {@link Sink#release}s the output the sink held
     * meanwhile. Returns -1 (the whole log) when the container has no output to join (not
     * started, or ended: then all of it is in the log), or when its monitor does not answer
     * within {@code timeoutMillis} (one of a berth that did not know the question): the sink
     * then joins at once, and a line printed during the copy may come twice.
     */
    long join(Session s, Sink k, long timeoutMillis) throws InterruptedException {
        Attachment a;
        synchronized (s) {
            if (s.ended) {
                s.sinks.add(k);
                k.end();
                return -1;
            }
            a = s.attachment;
            if (a == null && !s.starting) {
                s.sinks.add(k); // no run of it is under way: its output begins after the log
                return -1;
            }
            s.joining.add(k);
        }
        if (a != null) {
            ask(a); // else the start asks (started)
        }
        try {
            return k.mark.get(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            synchronized (s) {
                if (s.joining.remove(k)) {
                    s.sinks.add(k);
                    return -1;
                }
            }
            return k.mark.getNow(-1L);
        } catch (java.util.concurrent.ExecutionException e) {
            return -1;
        }
    }

    private static void ask(Attachment a) {
        try {
            a.askLogSize();
        } catch (IOException e) {
            // the monitor is gone: the session's end lets the sinks join
        }
    }

    /** Hands a started container to its session and copies its output until it exits. */
    void started(Session s, Container c) {
        exits.remove(s.id);
        boolean waiting;
        synchronized (s) {
            s.attachment = c;
            waiting = !s.joining.isEmpty();
        }
        if (waiting) {
            ask(c);
        }
        s.started.countDown();
        // a platform thread: reading the stage's pipe blocks in the kernel, and a virtual thread
        // would hold one of the few carrier threads all the while
        Thread.ofPlatform().daemon().name("output-" + s.id.substring(0, 12)).start(() -> pump(s, c));
        changed();
    }

    /** Opens an attachment to a running container (through its monitor). */
    interface Opener {
        Attachment open() throws dev.berth.engine.EngineException;
    }

    /**
     * A running container this daemon did not start ({@code berth run -d}, {@code berth start},
     * or a daemon before this one): {@code attach} opens its monitor's control socket, made the
     * session's attachment as if this daemon had started it, so every client shares one copy of
     * its output until it exits. Returns false when the session has its streams already (then
     * nothing is opened).
     */
    synchronized boolean adopt(Session s, Opener source) throws dev.berth.engine.EngineException {
        if (s.attachment != null || s.starting || s.ended) {
            return false;
        }
        Attachment a = source.open();
        s.adopted = true;
        boolean waiting;
        synchronized (s) {
            s.attachment = a;
            waiting = !s.joining.isEmpty();
        }
        if (waiting) {
            ask(a);
        }
        s.started.countDown();
        // a socket, not a pipe: a virtual thread waits on it without holding a carrier
        Thread.ofVirtual().name("adopted-" + s.id.substring(0, 12)).start(() -> pump(s, a));
        return true;
    }

    /** A start that failed: attached clients see the end of the stream. */
    void failed(Session s, Integer code) {
        if (code != null) {
            exits.put(s.id, code);
        }
        s.end();
        sessions.remove(s.id, s);
        changed();
    }

    private void pump(Session s, Attachment c) {
        int code;
        try {
            code = c.pipeOutput(fanout(s, false), fanout(s, true), s::marked);
        } catch (IOException e) {
            code = -1;
        }
        if (code >= 0) {
            exits.put(s.id, code);
        }
        s.end();
        sessions.remove(s.id, s);
        changed();
    }

    private static OutputStream fanout(Session s, boolean err) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                for (Sink k : s.sinks) {
                    k.write(err, b, off, len);
                }
            }
        };
    }

    /** Wakes everyone in {@link #awaitChange}: a container started, exited or was removed. */
    void changed() {
        synchronized (changes) {
            changes.notifyAll();
        }
    }

    /** Sleeps until something changes here, or {@code millis} pass (others' containers are polled). */
    void awaitChange(long millis) throws InterruptedException {
        synchronized (changes) {
            changes.wait(millis);
        }
    }
}
