package dev.berth.cli;

import dev.berth.image.Descriptor;
import dev.berth.image.Digest;
import dev.berth.image.registry.Progress;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * docker's per-layer progress lines on a terminal ({@code 3f4d90098f5b: Downloading
 * [=====>    ]  1.2MB/3.4MB}), redrawn in place with ANSI cursor moves at most ten times a second
 * (and at every change of status). Only the layers are shown, not the config, as docker does.
 */
final class PullProgress implements Progress {
    private static final int BAR = 50;
    private final PrintStream out;
    private final Map<Digest, String> lines = new LinkedHashMap<>();
    private int drawn;
    private long lastDraw;

    PullProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void layers(List<Descriptor> layers) {
        for (Descriptor d : layers) {
            lines.putIfAbsent(d.digest(), "Waiting");
        }
        draw(true);
    }

    @Override
    public synchronized void layer(Descriptor layer, String status, long done, long total) {
        String old = lines.get(layer.digest());
        if (old == null) {
            return; // the config: docker does not show it
        }
        String line = status;
        if (done >= 0 && total > 0 && (status.equals("Downloading") || status.equals("Pushing"))) {
            line = status + " " + bar(done, total) + " " + size(done) + "/" + size(total);
        }
        lines.put(layer.digest(), line);
        boolean changed = !old.startsWith(status);
        draw(changed);
    }

    /** Leaves the last state on the screen. */
    synchronized void finish() {
        draw(true);
    }

    private void draw(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        StringBuilder sb = new StringBuilder();
        if (drawn > 0) {
            sb.append("\033[").append(drawn).append('A');
        }
        for (Map.Entry<Digest, String> e : lines.entrySet()) {
            sb.append("\r\033[2K").append(e.getKey().hex(), 0, 12).append(": ").append(e.getValue()).append('\n');
        }
        drawn = lines.size();
        out.print(sb);
        out.flush();
    }

    static String bar(long done, long total) {
        int n = (int) Math.min(BAR, done * BAR / total);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < BAR; i++) {
            b.append(i < n ? '=' : i == n ? '>' : ' ');
        }
        return b.append(']').toString();
    }

    /** docker's HumanSize: decimal units, three significant digits ({@code 2.16MB}). */
    static String size(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        String s = String.format(Locale.ROOT, "%.3g", v);
        if (s.indexOf('.') >= 0) {
            while (s.endsWith("0")) {
                s = s.substring(0, s.length() - 1);
            }
            if (s.endsWith(".")) {
                s = s.substring(0, s.length() - 1);
            }
        }
        return s + units[u];
    }
}
