package dev.berth.api;

import dev.berth.api.http.Exchange;
import dev.berth.api.http.HttpException;
import dev.berth.engine.Attachment;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.engine.ExecRequest;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code /containers/{id}/exec} and {@code /exec/{id}}: exec instances live in this daemon's
 * memory only, as docker's do. A finished one keeps only what inspect shows (its stage session,
 * about 100 KB of buffers and program, is dropped at the exit) and is forgotten {@link #KEEP}
 * after it finished, as dockerd's exec GC forgets it after 5 to 10 minutes: a container exec'd
 * into every second (a health check) must not grow the daemon.
 */
final class Execs {
    /** How long a finished exec stays inspectable. */
    static final long KEEP = java.util.concurrent.TimeUnit.MINUTES.toNanos(5);

    static final class Instance {
        final String id;
        final String container;
        volatile ExecRequest request;
        final List<String> command;
        final String user;
        final boolean tty;
        final boolean stdin;
        final boolean stdout;
        final boolean stderr;
        volatile boolean started;
        volatile boolean running;
        volatile Integer exitCode;
        volatile Attachment attachment;
        /** System.nanoTime() when it finished (exit code known, or it failed to start); 0 before. */
        volatile long finishedAt;

        Instance(String id, String container, ExecRequest request, List<String> command, String user, boolean tty,
            boolean stdin, boolean stdout, boolean stderr) {
            this.id = id;
            this.container = container;
            this.request = request;
            this.command = command;
            this.user = user;
            this.tty = tty;
            this.stdin = stdin;
            this.stdout = stdout;
            this.stderr = stderr;
        }
    }

    private final Engine engine;
    private final Map<String, Instance> instances = new ConcurrentHashMap<>();

    Execs(Engine engine) {
        this.engine = engine;
    }

    void routes(Routes r) {
        r.post("/containers/{id}/exec", (x, p) -> create(x, p.get("id")));
        r.post("/exec/{id}/start", (x, p) -> start(x, p.get("id")));
        r.post("/exec/{id}/resize", (x, p) -> resize(x, p.get("id")));
        r.get("/exec/{id}/json", (x, p) -> inspect(x, p.get("id")));
    }

    void create(Exchange x, String ref) throws Exception {
        Map<String, Object> json = Containers.jsonBody(x);
        Body b = new Body(json, "");
        List<String> cmd;
        ExecRequest req;
        String user;
        boolean tty;
        try {
            cmd = b.strings("Cmd");
            if (cmd.isEmpty()) {
                throw new HttpException(400, "no exec command specified");
            }
            user = b.str("User");
            tty = b.bool("Tty");
            req = ExecRequest.of(cmd).tty(tty).stdin(b.bool("AttachStdin"));
            if (user != null && !user.isEmpty()) {
                req.user(user);
            }
            String workdir = b.str("WorkingDir");
            if (workdir != null && !workdir.isEmpty()) {
                req.workdir(workdir);
            }
            for (String e : b.strings("Env")) {
                if (e.indexOf('=') > 0) {
                    req.env(e);
                }
            }
            long[] size = b.numbers("ConsoleSize");
            if (size != null && size.length == 2 && size[0] > 0 && size[1] > 0) {
                req.terminalSize((int) size[0], (int) size[1]);
            }
            if (b.bool("Privileged")) {
                throw new HttpException(400, "privileged exec is not supported yet");
            }
        } catch (BadRequest e) {
            throw new HttpException(400, e.getMessage());
        }
        Map<String, Object> s = engine.inspect(ref);
        if (!Boolean.TRUE.equals(Json.map(s, "State").get("Running"))) {
            throw new HttpException(409, "container " + s.get("Id") + " is not running");
        }
        sweep(System.nanoTime());
        String id = newId();
        instances.put(id, new Instance(id, (String) s.get("Id"), req, cmd, user == null ? "" : user, tty,
            b.boolOrFalse("AttachStdin"), b.boolOrFalse("AttachStdout"), b.boolOrFalse("AttachStderr")));
        x.json(201, Map.of("Id", id));
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** 64 hex digits, as docker's exec ids. */
    static String newId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    private Instance find(String id) throws HttpException {
        Instance e = instances.get(id);
        if (e == null) {
            throw new HttpException(404, "No such exec instance: " + id);
        }
        return e;
    }

    void start(Exchange x, String id) throws Exception {
        Instance e = find(id);
        Body b = new Body(Containers.jsonBody(x), "");
        boolean detach;
        try {
            detach = b.bool("Detach");
            long[] size = b.numbers("ConsoleSize");
            ExecRequest r = e.request; // null once started: the 409 below
            if (r != null && size != null && size.length == 2 && size[0] > 0 && size[1] > 0) {
                r.terminalSize((int) size[0], (int) size[1]);
            }
        } catch (BadRequest ex) {
            throw new HttpException(400, ex.getMessage());
        }
        synchronized (e) {
            if (e.started) {
                throw new HttpException(409, "exec " + id + " has already been started");
            }
            e.started = true;
        }
        if (detach) {
            e.attachment = run(e);
            e.running = true;
            Thread.ofPlatform().daemon().name("exec-" + id.substring(0, 12))
                .start(() -> finish(e, OutputStream.nullOutputStream(), OutputStream.nullOutputStream()));
            x.respond(200, "application/json", new byte[0]);
            return;
        }
        Attachment a;
        try {
            a = run(e);
        } catch (EngineException.CommandFailed f) {
            Exchange.Hijacked h = x.hijack(e.tty ? Containers.RAW : Containers.MULTIPLEXED);
            e.exitCode = f.notFound() ? 127 : 126;
            e.finishedAt = System.nanoTime();
            new Mux(h.out(), e.tty ? Mux.RAW : Mux.STDERR, new Object())
                .write((f.getMessage() + "\r\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        e.attachment = a;
        e.running = true;
        Exchange.Hijacked h = x.hijack(e.tty ? Containers.RAW : Containers.MULTIPLEXED);
        Object lock = new Object();
        OutputStream out = new Quiet(new Mux(h.out(), e.tty ? Mux.RAW : Mux.STDOUT, lock), e.stdout);
        OutputStream err = new Quiet(new Mux(h.out(), e.tty ? Mux.RAW : Mux.STDERR, lock), e.stderr);
        if (e.stdin) {
            Thread.ofVirtual().start(() -> forward(h.in(), a));
        }
        // on a platform thread, as Live's output (a pipe read pins a virtual thread's carrier)
        Thread t = Thread.ofPlatform().daemon().name("exec-" + id.substring(0, 12)).start(() -> finish(e, out, err));
        t.join();
    }

    private Attachment run(Instance e) throws EngineException {
        try {
            return engine.exec(e.container, e.request);
        } finally {
            e.request = null; // started or refused: never needed again
        }
    }

    /** Copies the output until the process exits; the exit code is known before the stream ends. */
    private static void finish(Instance e, OutputStream out, OutputStream err) {
        int code;
        try {
            code = e.attachment.pipeOutput(out, err);
        } catch (IOException ex) {
            code = -1;
        }
        e.exitCode = code;
        e.running = false;
        e.attachment = null; // the stage session: its process, pipes, buffers and program
        e.finishedAt = System.nanoTime();
    }

    /** Forgets the execs that finished more than {@link #KEEP} before {@code now}. */
    void sweep(long now) {
        instances.values().removeIf(e -> {
            long done = e.finishedAt;
            return done != 0 && now - done > KEEP;
        });
    }

    /** The instance of this id, or null (for tests). */
    Instance get(String id) {
        return instances.get(id);
    }

    /** Adds an instance (for tests). */
    void add(Instance e) {
        instances.put(e.id, e);
    }

    private static void forward(InputStream in, Attachment a) {
        try {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                a.write(buf, 0, n);
            }
            a.closeInput();
        } catch (IOException ignored) {
            // the client or the process went away
        }
    }

    void inspect(Exchange x, String id) throws Exception {
        Instance e = find(id);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", e.id);
        m.put("Running", e.running);
        m.put("ExitCode", e.exitCode);
        Map<String, Object> pc = new LinkedHashMap<>();
        pc.put("tty", e.tty);
        pc.put("entrypoint", e.command.get(0));
        pc.put("arguments", e.command.subList(1, e.command.size()));
        pc.put("privileged", false);
        pc.put("user", e.user);
        m.put("ProcessConfig", pc);
        m.put("OpenStdin", e.stdin);
        m.put("OpenStderr", e.stderr);
        m.put("OpenStdout", e.stdout);
        m.put("CanRemove", false);
        m.put("ContainerID", e.container);
        m.put("DetachKeys", "");
        m.put("Pid", 0);
        x.json(200, m);
    }

    void resize(Exchange x, String id) throws Exception {
        Instance e = find(id);
        int h = Containers.intParam(x.request(), "h", 0);
        int w = Containers.intParam(x.request(), "w", 0);
        Attachment a = e.attachment;
        if (a != null && e.running && h > 0 && w > 0) {
            a.resize(h, w);
        }
        x.respond(200, "text/plain; charset=utf-8", new byte[0]);
    }

    /** Forgets the finished execs of a removed container. */
    void forget(String container) {
        instances.values().removeIf(e -> e.container.equals(container) && !e.running);
    }

    /** A client's stream that swallows write failures, so the process's output is still drained to its end. */
    private static final class Quiet extends OutputStream {
        private final OutputStream out;
        private volatile boolean dead;

        Quiet(OutputStream out, boolean wanted) {
            this.out = out;
            this.dead = !wanted;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (!dead) {
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    dead = true;
                }
            }
        }
    }
}
