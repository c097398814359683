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
        private volatile boolean dead;

        /** {@code stdout}/{@code stderr} null for a stream the client did not ask for. */
        Sink(OutputStream stdout, OutputStream stderr) {
            this.stdout = stdout;
            this.stderr = stderr;
        }

        void write(boolean err, byte[] b, int off, int len) {
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

        void end() {
            dead = true;
            done.countDown();
        }
    }

    /** One run of a container, from the first attach or start to its exit. */
    static final class Session {
        final String id;
        final List<Sink> sinks = new CopyOnWriteArrayList<>();
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

        private void end() {
            ended = true;
            started.countDown();
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

    /** Hands a started container to its session and copies its output until it exits. */
    void started(Session s, Container c) {
        exits.remove(s.id);
        s.attachment = c;
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
        s.attachment = a;
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
            code = c.pipeOutput(fanout(s, false), fanout(s, true));
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
