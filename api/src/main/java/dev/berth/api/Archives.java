package dev.berth.api;

import dev.berth.api.http.Exchange;
import dev.berth.api.http.HttpException;
import dev.berth.engine.ContainerArchive;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.engine.PathStat;
import dev.berth.image.Change;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's files over the API: {@code HEAD/GET/PUT /containers/{id}/archive} (docker cp),
 * {@code GET /containers/{id}/export} and {@code GET /containers/{id}/changes}, over the
 * engine's {@code statPath}, {@code archive}, {@code extractArchive}, {@code export} and
 * {@code changes}.
 */
final class Archives {
    static final String STAT_HEADER = "X-Docker-Container-Path-Stat";
    private final Engine engine;

    Archives(Engine engine) {
        this.engine = engine;
    }

    void routes(Routes r) {
        r.head("/containers/{id}/archive", (x, p) -> head(x, p.get("id")));
        r.get("/containers/{id}/archive", (x, p) -> get(x, p.get("id")));
        r.put("/containers/{id}/archive", (x, p) -> put(x, p.get("id")));
        r.get("/containers/{id}/export", (x, p) -> export(x, p.get("id")));
        r.get("/containers/{id}/changes", (x, p) -> changes(x, p.get("id")));
    }

    /** The container's id, or docker's 404 "No such container: X". */
    private String container(String ref) throws EngineException, HttpException {
        try {
            return engine.resolve(ref);
        } catch (EngineException.NotFound e) {
            throw new HttpException(404, "No such container: " + ref);
        }
    }

    private static String path(Exchange x) throws HttpException {
        String path = x.request().query("path");
        if (path == null || path.isEmpty()) {
            throw new HttpException(400, "path cannot be empty");
        }
        return path;
    }

    private void head(Exchange x, String ref) throws Exception {
        String id = container(ref);
        String path = path(x);
        PathStat st = engine.statPath(id, path);
        x.header(STAT_HEADER, st.header());
        x.respond(200, null, new byte[0]);
    }

    private void get(Exchange x, String ref) throws Exception {
        String id = container(ref);
        String path = path(x);
        try (ContainerArchive.Reader r = engine.archive(id, path)) {
            x.header(STAT_HEADER, r.stat().header());
            OutputStream out = x.stream(200, "application/x-tar");
            r.writeTo(out);
            out.close();
        }
    }

    private void put(Exchange x, String ref) throws Exception {
        String id = container(ref);
        String path = path(x);
        boolean noOverwrite = flag(x, "noOverwriteDirNonDir");
        boolean copyUidGid = flag(x, "copyUIDGID");
        engine.extractArchive(id, path, x.bodyStream(), noOverwrite, copyUidGid);
        x.respond(200, null, new byte[0]);
    }

    /** Go's {@code httputils.BoolValue}: anything but empty, 0, no, false and none is true. */
    private static boolean flag(Exchange x, String name) {
        String v = x.request().query(name);
        if (v == null) {
            return false;
        }
        String s = v.strip().toLowerCase();
        return !(s.isEmpty() || s.equals("0") || s.equals("no") || s.equals("false") || s.equals("none"));
    }

    private void export(Exchange x, String ref) throws Exception {
        String id = container(ref);
        // the response starts with the first byte: a failure before it is still an error response
        OutputStream out = new OutputStream() {
            private OutputStream started;

            private OutputStream out() throws IOException {
                if (started == null) {
                    started = x.stream(200, "application/x-tar");
                }
                return started;
            }

            @Override
            public void write(int b) throws IOException {
                out().write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out().write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out().close();
            }
        };
        engine.export(id, out);
        out.close();
    }

    private void changes(Exchange x, String ref) throws Exception {
        String id = container(ref);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Change c : engine.changes(id)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Path", c.path());
            m.put("Kind", c.kind() == Change.Kind.CHANGED ? 0 : c.kind() == Change.Kind.ADDED ? 1 : 2);
            out.add(m);
        }
        x.json(200, out);
    }
}
