package dev.berth.api;

import dev.berth.api.http.Exchange;
import dev.berth.api.http.HttpException;
import dev.berth.api.http.Request;
import dev.berth.engine.Container;
import dev.berth.engine.ContainerRequest;
import dev.berth.engine.DetachKeys;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.engine.Listing;
import dev.berth.linux.Signals;
import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** The {@code /containers} endpoints. */
final class Containers {
    static final String RAW = "application/vnd.docker.raw-stream";
    static final String MULTIPLEXED = "application/vnd.docker.multiplexed-stream";
    /** Create bodies are a few kilobytes; docker sets no limit, a daemon facing strangers must. */
    static final int MAX_BODY = 1 << 20;
    /** How long an attach with logs=1 waits for the monitor's log mark (Live.join). */
    static final long LOG_MARK_TIMEOUT_MILLIS = 2000;

    private final Engine engine;
    private final Live live;
    /** Config.StdinOnce of the containers created here: close their stdin when the client's ends. */
    private final Map<String, Boolean> stdinOnce = new ConcurrentHashMap<>();
    /** The containers' list entries, each made again only when its container changed. */
    private final Listing<ListRow> listing;

    Containers(Engine engine, Live live) {
        this.engine = engine;
        this.live = live;
        this.listing = new Listing<>(engine, ListRow::of);
    }

    static Map<String, Object> jsonBody(Exchange x) throws IOException, HttpException {
        byte[] body = x.body(MAX_BODY);
        if (body.length == 0) {
            return Map.of();
        }
        try {
            Object o = Json.parse(new String(body, StandardCharsets.UTF_8));
            if (!(o instanceof Map)) {
                throw new HttpException(400, "invalid JSON: the body must be an object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) o;
            return m;
        } catch (JsonException e) {
            throw new HttpException(400, "invalid JSON: " + e.getMessage());
        }
    }

    void routes(Routes r) {
        r.post("/containers/create", (x, p) -> create(x));
        r.get("/containers/json", (x, p) -> list(x));
        r.get("/containers/{id}/json", (x, p) -> inspect(x, p.get("id")));
        r.get("/containers/{id}/logs", (x, p) -> logs(x, p.get("id")));
        r.get("/containers/{id}/top", (x, p) -> top(x, p.get("id")));
        r.post("/containers/{id}/start", (x, p) -> start(x, p.get("id")));
        r.post("/containers/{id}/stop", (x, p) -> stop(x, p.get("id")));
        r.post("/containers/{id}/restart", (x, p) -> restart(x, p.get("id")));
        r.post("/containers/{id}/kill", (x, p) -> kill(x, p.get("id")));
        r.post("/containers/{id}/wait", (x, p) -> await(x, p.get("id")));
        r.post("/containers/{id}/attach", (x, p) -> attach(x, p.get("id")));
        r.post("/containers/{id}/resize", (x, p) -> resize(x, p.get("id")));
    }

    void create(Exchange x) throws Exception {
        Map<String, Object> body = jsonBody(x);
        if (DockerApi.TRACE) { // what a client asked for, when its container does not do what it expected
            System.err.println("berth daemon: create " + Json.compact(body));
        }
        ContainerRequest r;
        try {
            r = CreateBody.map(body, x.request().query("name"));
        } catch (BadRequest e) {
            throw new HttpException(400, e.getMessage());
        }
        String id;
        try {
            id = engine.create(r);
        } catch (EngineException.NotFound e) {
            throw Images.createFailed(engine, body.get("Image") instanceof String s ? s : null, e); // "No such image: X": the docker CLI pulls, then creates again
        }
        if (Boolean.TRUE.equals(body.get("StdinOnce"))) {
            stdinOnce.put(id, true);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Id", id);
        out.put("Warnings", List.of());
        x.json(201, out);
    }

    void list(Exchange x) throws Exception {
        Request q = x.request();
        boolean all = flag(q.query("all"));
        dev.berth.engine.ContainerFilter f = Filters.parse(q.query("filters"));
        int limit = intParam(q, "limit", -1);
        if (f.isEmpty()) {
            listed(x, all, limit);
            return;
        }
        List<Object> out = new ArrayList<>();
        long now = Timestamps.nowNanos();
        List<Map<String, Object>> every = engine.list(true);
        var images = engine.imageAdmin().listedImages();
        // a limit lists the newest including stopped ones, as a status filter does (docker's rule)
        boolean everything = all || limit > 0 || f.needsAll();
        for (Map<String, Object> s : every) {
            if (limit > 0 && out.size() >= limit) {
                break;
            }
            Object status = Json.map(s, "State").get("Status");
            boolean running = "running".equals(status) || "paused".equals(status);
            if (!everything && !running || !f.matches(s, every)) {
                continue;
            }
            out.add(Shapes.listEntry(s, now, images));
        }
        x.json(200, out);
    }

    /** Without filters: from the rows kept between requests ({@link ListRow}). */
    private void listed(Exchange x, boolean all, int limit) throws Exception {
        long now = Timestamps.nowNanos();
        var images = engine.imageAdmin().listedImages();
        // a limit lists the newest including stopped ones (docker's rule)
        boolean everything = all || limit > 0;
        StringBuilder out = new StringBuilder(8192).append('[');
        int n = 0;
        for (ListRow r : listing.list()) {
            if (limit > 0 && n >= limit) {
                break;
            }
            if (!everything && !r.running) {
                continue;
            }
            if (n++ > 0) {
                out.append(',');
            }
            r.append(out, now, images);
        }
        out.append("]\n");
        x.respond(200, "application/json", out.toString().getBytes(StandardCharsets.UTF_8));
    }

    void inspect(Exchange x, String ref) throws Exception {
        x.json(200, Shapes.inspect(engine.inspect(ref)));
    }

    void start(Exchange x, String ref) throws Exception {
        Map<String, Object> s = engine.inspect(ref);
        String id = (String) s.get("Id");
        if (Boolean.TRUE.equals(Json.map(s, "State").get("Running"))) {
            x.respond(304, null, new byte[0]);
            return;
        }
        Live.Session session = live.session(id);
        session.starting = true;
        Container c;
        try {
            c = engine.start(id);
        } catch (EngineException e) {
            Integer code = e instanceof EngineException.CommandFailed cf ? (cf.notFound() ? 127 : 126) : null;
            live.failed(session, code);
            throw e;
        }
        live.started(session, c);
        x.respond(204, null, new byte[0]);
    }

    void stop(Exchange x, String ref) throws Exception {
        Map<String, Object> s = engine.inspect(ref);
        if (!Boolean.TRUE.equals(Json.map(s, "State").get("Running"))) {
            x.respond(304, null, new byte[0]);
            return;
        }
        String signal = x.request().query("signal");
        if (signal != null && !signal.isEmpty()) {
            engine.kill(ref, signal(signal));
        }
        engine.stop(ref, intParam(x.request(), "t", 10));
        x.respond(204, null, new byte[0]);
    }

    void restart(Exchange x, String ref) throws Exception {
        engine.stop(ref, intParam(x.request(), "t", 10));
        String id = (String) engine.inspect(ref).get("Id");
        awaitSessionEnd(id);
        Live.Session session = live.session(id);
        session.starting = true;
        try {
            live.started(session, engine.start(id));
        } catch (EngineException e) {
            live.failed(session, null);
            throw e;
        }
        engine.logEvent(id, "restart", Map.of());
        x.respond(204, null, new byte[0]);
    }

    /** The output of the last run is copied to the end before the next run starts. */
    private void awaitSessionEnd(String id) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            Live.Session s = live.existing(id);
            if (s == null || s.ended) {
                return;
            }
            live.awaitChange(50);
        }
    }

    void kill(Exchange x, String ref) throws Exception {
        String signal = x.request().query("signal");
        engine.kill(ref, signal == null || signal.isEmpty() ? Signals.SIGKILL : signal(signal));
        x.respond(204, null, new byte[0]);
    }

    static int signal(String name) throws HttpException {
        try {
            return Signals.parse(name);
        } catch (IllegalArgumentException e) {
            throw new HttpException(400, "invalid signal: " + name);
        }
    }

    void remove(Exchange x, String ref) throws Exception {
        Map<String, Object> s = engine.inspect(ref);
        boolean force = flag(x.request().query("force"));
        if (!force && Boolean.TRUE.equals(Json.map(s, "State").get("Running"))) {
            throw new HttpException(409, "cannot remove container \"" + ref + "\": container is running:"
                + " stop the container before removing or force remove");
        }
        engine.remove(ref, force, flag(x.request().query("v"))); // docker rm -v: its anonymous volumes too
        stdinOnce.remove((String) s.get("Id"));
        live.changed();
        x.respond(204, null, new byte[0]);
    }

    /** {@code condition}: not-running (default), next-exit or removed; headers go out at once. */
    void await(Exchange x, String ref) throws Exception {
        String condition = x.request().query("condition");
        if (condition == null || condition.isEmpty()) {
            condition = "not-running";
        }
        if (!List.of("not-running", "next-exit", "removed").contains(condition)) {
            throw new HttpException(400, "invalid condition: \"" + condition + "\"");
        }
        Map<String, Object> s = engine.inspect(ref);
        String id = (String) s.get("Id");
        String startedAt = String.valueOf(Json.map(s, "State").get("StartedAt"));
        boolean wasStopped = !Boolean.TRUE.equals(Json.map(s, "State").get("Running"))
            && !"created".equals(Json.map(s, "State").get("Status"));
        // before the head: it then says Connection: close, so no client reuses the connection
        Thread self = Thread.currentThread();
        AtomicBoolean done = new AtomicBoolean();
        x.onDisconnect(() -> {
            if (!done.get()) {
                self.interrupt();
            }
        });
        OutputStream out = x.stream(200, "application/json");
        Integer code = null;
        String error = null;
        try {
            code = waitFor(id, condition, startedAt, wasStopped);
        } catch (InterruptedException e) {
            return; // the client went away
        } catch (EngineException e) {
            error = e.getMessage();
        } finally {
            done.set(true);
            Thread.interrupted();
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("StatusCode", code == null ? -1 : code);
        if (error != null) {
            result.put("Error", Map.of("Message", error));
        } else {
            result.put("Error", null);
        }
        out.write((Json.compact(result) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private Integer waitFor(String id, String condition, String startedAt, boolean wasStopped)
        throws InterruptedException, EngineException {
        Integer last = null;
        for (;;) {
            Map<String, Object> s;
            try {
                s = engine.inspect(id);
            } catch (EngineException.NotFound e) {
                Live.Session session = live.existing(id);
                if (session == null || session.ended) {
                    Integer seen = live.exitCode(id);
                    return seen != null ? seen : last != null ? last : 0;
                }
                live.awaitChange(100);
                continue;
            }
            Map<String, Object> st = Json.map(s, "State");
            String status = String.valueOf(st.get("Status"));
            boolean stopped = status.equals("exited") || status.equals("dead");
            if (stopped) {
                last = ((Number) st.get("ExitCode")).intValue();
                boolean newRun = !wasStopped || !startedAt.equals(String.valueOf(st.get("StartedAt")));
                if (condition.equals("not-running") || condition.equals("next-exit") && newRun) {
                    Live.Session session = live.existing(id);
                    if (session == null || session.ended) { // its output is all out first
                        return last;
                    }
                }
            } else if (condition.equals("not-running") && status.equals("created")) {
                return 0;
            }
            live.awaitChange(100);
        }
    }

    /**
     * Hijacked: multiplexed frames unless the container has a terminal; stdin forwarded. As
     * dockerd's: {@code logs=1} replays the container's log first, then the {@code attach} event
     * is logged, and only {@code stream=1} goes on to the live output; on a terminal, the
     * {@code detachKeys} (default ctrl-p,ctrl-q) typed into stdin end the attachment and leave
     * the container running (a {@code detach} event).
     */
    void attach(Exchange x, String ref) throws Exception {
        Request q = x.request();
        Map<String, Object> s = engine.inspect(ref);
        String id = (String) s.get("Id");
        boolean tty = Boolean.TRUE.equals(Json.map(s, "Config").get("Tty"));
        boolean stdin = flag(q.query("stdin"));
        boolean stdout = flag(q.query("stdout"));
        boolean stderr = flag(q.query("stderr"));
        boolean logs = flag(q.query("logs"));
        boolean stream = flag(q.query("stream"));
        String keysSpec = q.query("detachKeys");
        byte[] keys = DetachKeys.parse(keysSpec == null || keysSpec.isEmpty() ? DetachKeys.DEFAULT : keysSpec);
        if (keys == null) {
            throw new HttpException(400, "Invalid detach keys (" + keysSpec + ") provided");
        }
        String status = String.valueOf(Json.map(s, "State").get("Status"));
        if (status.equals("paused")) {
            throw new HttpException(409, "You cannot attach to a paused container, unpause it first");
        }
        Exchange.Hijacked h = x.hijack(tty ? RAW : MULTIPLEXED);
        Object lock = new Object();
        OutputStream out = new Mux(h.out(), tty ? Mux.RAW : Mux.STDOUT, lock);
        OutputStream err = new Mux(h.out(), tty ? Mux.RAW : Mux.STDERR, lock);
        boolean replay = logs && (stdout || stderr);
        OutputStream logOut = stdout ? out : OutputStream.nullOutputStream();
        OutputStream logErr = stderr ? err : OutputStream.nullOutputStream();
        if (!stream || !status.equals("created") && !status.equals("running") && live.existing(id) == null) {
            if (replay) {
                engine.logs(id).copy(logOut, logErr, -1, false, false, 0, 0);
                h.out().flush();
            }
            engine.logEvent(id, "attach", Map.of());
            return; // nothing will come: the stream ends at once, as docker's does
        }
        // with the log first, the sink holds the output until the log is out, and the log is
        // copied up to where the sink joined the output (Live.join): nothing missed, nothing twice
        Live.Sink sink = replay ? Live.Sink.holding(stdout ? out : null, stderr ? err : null)
            : new Live.Sink(stdout ? out : null, stderr ? err : null);
        Live.Session session = live.session(id);
        if (!replay) {
            session.add(sink); // before the adoption: no output is lost between the two
        }
        if (status.equals("running")) {
            try {
                live.adopt(session, () -> engine.attach(id));
            } catch (EngineException e) {
                // it exited since it was read: the stream ends, and the next start renews the session
                sink.end();
                live.failed(session, null);
            }
        }
        if (replay) {
            long end = live.join(session, sink, LOG_MARK_TIMEOUT_MILLIS);
            engine.logs(id).copyUpTo(logOut, logErr, end);
            sink.release();
            h.out().flush();
        }
        engine.logEvent(id, "attach", Map.of());
        // a container this daemon did not create keeps its input open for the next client,
        // as docker's StdinOnce false (berth run -d -i)
        boolean closeStdin = stdinOnce.getOrDefault(id, !session.adopted);
        DetachKeys detach = tty ? new DetachKeys(keys) : null; // dockerd reads them on a terminal only
        // EOF on the input is the client's half-close (docker's CLI sends it at once when it
        // has no stdin to send), not its going away: that shows when a write fails
        Thread.ofVirtual().name("stdin-" + id.substring(0, 12)).start(() -> {
            if (stdin && forward(h.in(), session, closeStdin, detach)) {
                sink.end();
                try {
                    engine.logEvent(id, "detach", Map.of());
                } catch (EngineException e) {
                    // removed meanwhile: nothing to log
                }
                return;
            }
            drain(h.in());
        });
        sink.done.await();
        session.remove(sink);
    }

    /** Copies the client's input to the container's; true when the detach keys were typed. */
    private static boolean forward(InputStream in, Live.Session session, boolean closeStdin, DetachKeys detach) {
        try {
            session.started.await();
            var a = session.attachment;
            if (a == null) {
                return false;
            }
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                if (detach == null) {
                    a.write(buf, 0, n);
                    continue;
                }
                DetachKeys.Step step = detach.feed(buf, n);
                if (step.len() > 0) {
                    a.write(step.pass(), 0, step.len());
                }
                if (step.detach()) {
                    return true; // the container's input stays open for the next client
                }
            }
            if (closeStdin) {
                a.closeInput();
            }
        } catch (IOException | InterruptedException e) {
            // the client or the container went away
        }
        return false;
    }

    private static void drain(InputStream in) {
        try {
            while (in.read() >= 0) {
                continue;
            }
        } catch (IOException e) {
            // closed
        }
    }

    /** The terminal's size; dockerd logs a {@code resize} event (height, width) for a running container. */
    void resize(Exchange x, String ref) throws Exception {
        int h = intParam(x.request(), "h", 0);
        int w = intParam(x.request(), "w", 0);
        Map<String, Object> s = engine.inspect(ref);
        String id = (String) s.get("Id");
        Live.Session session = live.existing(id);
        if (session != null && session.attachment != null && h > 0 && w > 0) {
            session.attachment.resize(h, w);
        }
        if ("running".equals(Json.map(s, "State").get("Status"))) {
            engine.logEvent(id, "resize", Map.of("height", String.valueOf(h), "width", String.valueOf(w)));
        }
        x.respond(200, "text/plain; charset=utf-8", new byte[0]);
    }

    void logs(Exchange x, String ref) throws Exception {
        Request q = x.request();
        boolean stdout = flag(q.query("stdout"));
        boolean stderr = flag(q.query("stderr"));
        if (!stdout && !stderr) {
            throw new HttpException(400, "you must choose at least one stream");
        }
        Map<String, Object> s = engine.inspect(ref);
        boolean tty = Boolean.TRUE.equals(Json.map(s, "Config").get("Tty"));
        String tailValue = q.query("tail");
        int tail = tailValue == null || tailValue.isEmpty() || tailValue.equals("all") ? -1 : intParam(q, "tail", -1);
        long since = seconds(q.query("since"));
        long until = seconds(q.query("until"));
        var reader = engine.logs(ref);
        boolean follow = flag(q.query("follow"));
        AtomicBoolean done = new AtomicBoolean();
        if (follow) { // before the head: it then says Connection: close, so no client reuses the connection
            Thread self = Thread.currentThread();
            x.onDisconnect(() -> {
                if (!done.get()) {
                    self.interrupt();
                }
            });
        }
        OutputStream body = x.stream(200, tty ? RAW : MULTIPLEXED);
        Object lock = new Object();
        OutputStream out = stdout ? new Mux(body, tty ? Mux.RAW : Mux.STDOUT, lock) : OutputStream.nullOutputStream();
        OutputStream err = stderr ? new Mux(body, tty ? Mux.RAW : Mux.STDERR, lock) : OutputStream.nullOutputStream();
        try {
            reader.copy(out, err, tail, flag(q.query("timestamps")), follow, since, until);
        } finally {
            done.set(true);
            Thread.interrupted();
        }
    }

    /** docker's since/until: Unix seconds, maybe with a fraction; 0 when absent. */
    static long seconds(String v) throws HttpException {
        if (v == null || v.isEmpty()) {
            return 0;
        }
        try {
            return (long) (Double.parseDouble(v) * 1e9);
        } catch (NumberFormatException e) {
            throw new HttpException(400, "invalid value for since/until: \"" + v + "\": give Unix seconds");
        }
    }

    void top(Exchange x, String ref) throws Exception {
        String args = x.request().query("ps_args");
        x.json(200, Top.of(engine, ref, args == null || args.isEmpty() ? "-ef" : args));
    }

    static boolean flag(String v) {
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
    }

    static int intParam(Request q, String name, int dflt) throws HttpException {
        String v = q.query(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new HttpException(400, "invalid value for " + name + ": \"" + v + "\" is not a whole number");
        }
    }
}
