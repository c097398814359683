package dev.berth.api;

import dev.berth.api.http.Exchange;
import dev.berth.image.Descriptor;
import dev.berth.image.Digest;
import dev.berth.image.registry.Progress;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * dockerd's JSON progress stream of a pull or a push ({@code application/json}, one message and {@code \r\n} each):
 * {@code {"status":"Pulling fs layer","progressDetail":{},"id":"3f4d90098f5b"}}, downloads with
 * {@code progressDetail} current/total and the bar, plain statuses without an id, and an error
 * as {@code {"errorDetail":{"message":...},"error":...}}. The response head goes out with the
 * first message, as dockerd's flushing writer does: an error before that is an ordinary HTTP
 * error. Progress arrives from several download threads.
 */
final class PullStream implements Progress {
    private final Exchange x;
    private final String firstId;
    private final String first;
    private final Set<Digest> layers = new HashSet<>();
    private final Map<Digest, Long> lastDownload = new HashMap<>();
    private OutputStream out;
    private IOException broken;

    /** {@code first} (with its {@code id}) is sent when the manifest is known ({@code Pulling from NAME}). */
    PullStream(Exchange x, String firstId, String first) {
        this.x = x;
        this.firstId = firstId;
        this.first = first;
    }

    /** Whether the head went out: later errors must be error messages in the stream. */
    synchronized boolean started() {
        return out != null;
    }

    @Override
    public synchronized void layers(java.util.List<Descriptor> list) {
        if (first != null) {
            send(message(first, firstId, null));
        }
        for (Descriptor d : list) {
            layers.add(d.digest());
        }
    }

    @Override
    public synchronized void layer(Descriptor layer, String status, long done, long total) {
        if (!layers.contains(layer.digest())) {
            return; // the config: docker does not show it
        }
        Map<String, Object> detail = new LinkedHashMap<>();
        String bar = null;
        if ((status.equals("Downloading") || status.equals("Pushing")) && done >= 0 && total > 0) {
            long now = System.nanoTime();
            Long last = lastDownload.get(layer.digest());
            if (last != null && now - last < 100_000_000L && done < total) {
                return; // at most ten a second per layer, as dockerd's progress reader
            }
            lastDownload.put(layer.digest(), now);
            detail.put("current", done);
            detail.put("total", total);
            bar = bar(done, total);
        }
        Map<String, Object> m = message(status, layer.digest().hex().substring(0, 12), detail);
        if (bar != null) {
            m.put("progress", bar);
        }
        send(m);
    }

    /** A status line without an id ({@code Digest: ...}, {@code Status: ...}). */
    synchronized void status(String status) {
        send(message(status, null, null));
    }

    /** dockerd's aux message, which the CLI hands to its callback instead of printing (a push's result). */
    synchronized void aux(Map<String, Object> aux) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("progressDetail", new LinkedHashMap<>());
        m.put("aux", aux);
        send(m);
    }

    /** The error as the stream's last message. */
    synchronized void error(String message) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("message", message);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("errorDetail", detail);
        m.put("error", message);
        send(m);
    }

    /** Throws what writing to the client met (it went away), so the caller stops. */
    synchronized void check() throws IOException {
        if (broken != null) {
            throw broken;
        }
    }

    private static Map<String, Object> message(String status, String id, Map<String, Object> detail) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        if (detail != null) {
            m.put("progressDetail", detail);
        }
        if (id != null) {
            m.put("id", id);
        }
        return m;
    }

    private void send(Map<String, Object> m) {
        if (broken != null) {
            return;
        }
        try {
            if (out == null) {
                out = x.stream(200, "application/json");
            }
            out.write((Json.compact(m) + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            broken = e;
        } catch (UncheckedIOException e) {
            broken = e.getCause();
        }
    }

    /** docker's bar: 50 columns, {@code [=====>    ]  1.2MB/3.4MB}. */
    static String bar(long done, long total) {
        int n = (int) Math.min(50, done * 50 / total);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < 50; i++) {
            b.append(i < n ? '=' : i == n ? '>' : ' ');
        }
        return b.append("] ").append(size(done)).append('/').append(size(total)).toString();
    }

    /** docker's HumanSize: decimal units, three significant digits. */
    static String size(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        String s = String.format(java.util.Locale.ROOT, "%.3g", v);
        if (s.indexOf('.') >= 0) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s + units[u];
    }
}
