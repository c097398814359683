package dev.berth.api;

import dev.berth.api.http.Exchange;
import dev.berth.api.http.HttpException;
import dev.berth.engine.Container;
import dev.berth.engine.Engine;
import dev.berth.runtime.Timestamps;
import dev.berth.runtime.events.EventFilter;
import dev.berth.runtime.events.EventStream;
import dev.berth.runtime.events.EventTimes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /events} over the state root's event log (which the CLI, the monitors and this
 * daemon all write), and the daemon's part in restart policies: it restarts the containers it
 * started itself when they exit, and at its start those whose policy brings them back.
 */
final class EventsApi {
    private final Engine engine;
    private final Live live;

    /** Takes over the restarts of {@code engine}'s containers (see {@link Engine#withRestartsInProcess}). */
    EventsApi(Engine engine, Live live) {
        this.engine = engine;
        this.live = live;
        engine.withRestartsInProcess(this::restarted);
        // at the daemon's start, in the background: the socket is served meanwhile
        Thread.ofVirtual().name("restart-at-start").start(() -> {
            for (Container c : engine.restartAtBoot(msg -> System.err.println("berth daemon: " + msg))) {
                restarted(c);
            }
        });
    }

    void routes(Routes r) {
        r.get("/events", (x, p) -> events(x));
    }

    /** A container started again by its policy: its streams go to its session, as a start's do. */
    private void restarted(Container c) {
        try { // the last run's output first: its session ends once its pump has copied everything
            for (int i = 0; i < 100; i++) {
                Live.Session s = live.existing(c.id());
                if (s == null || s.ended) {
                    break;
                }
                live.awaitChange(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        live.started(live.session(c.id()), c);
    }

    /** docker's: since/until in Unix seconds (a fraction allowed), filters; a chunked JSON stream. */
    void events(Exchange x) throws Exception {
        long now = Timestamps.nowNanos();
        long since = time(x.request().query("since"), now);
        long until = time(x.request().query("until"), now);
        if (since > 0 && until > 0 && until < since) {
            throw new HttpException(400, "since time (" + x.request().query("since") + ") cannot be after until time ("
                + x.request().query("until") + ")");
        }
        EventFilter filter;
        try {
            filter = EventFilter.of(Filters.byKey(x.request().query("filters")));
        } catch (IllegalArgumentException e) {
            throw new HttpException(400, e.getMessage());
        }
        // before the head: it then says Connection: close, so no client reuses the connection
        Thread self = Thread.currentThread();
        AtomicBoolean done = new AtomicBoolean();
        x.onDisconnect(() -> {
            if (!done.get()) {
                self.interrupt();
            }
        });
        OutputStream out = x.stream(200, "application/json");
        try {
            EventStream.copy(engine.events(), since, until, filter, (line, e) -> {
                try {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    return true;
                } catch (IOException ex) {
                    return false; // the client went away
                }
            });
        } finally {
            done.set(true);
            Thread.interrupted();
        }
    }

    private static long time(String v, long now) throws HttpException {
        if (v == null || v.isEmpty()) {
            return 0;
        }
        try {
            return EventTimes.parse(v, now);
        } catch (IllegalArgumentException e) {
            throw new HttpException(400, e.getMessage());
        }
    }
}
