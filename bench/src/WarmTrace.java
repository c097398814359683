import dev.berth.engine.Container;
import dev.berth.engine.ContainerRequest;
import dev.berth.engine.Engine;
import dev.berth.runtime.Trace;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.*;

/**
 * The warm library path step by step: the same runs as {@code WarmStart}, with {@code BERTH_TRACE=1}
 * set, and per step (a {@code Trace} mark minus the one before it) the median, minimum and p90 in
 * milliseconds over the measured runs (docs/performance.md, "The warm path, session 12").
 *
 * <pre>
 * BERTH_TRACE=1 java --enable-native-access=ALL-UNNAMED --class-path 'cli/target/berth/lib/*' \
 *     bench/src/WarmTrace.java STATE_DIR ROOTFS RUNS WARMUPS
 * </pre>
 */
public final class WarmTrace {
    public static void main(String[] args) throws Exception {
        Engine engine = Engine.open(Path.of(args[0]));
        Path rootfs = Path.of(args[1]);
        int runs = Integer.parseInt(args[2]);
        int warm = Integer.parseInt(args[3]);
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        Map<String, List<Double>> steps = new LinkedHashMap<>();
        List<Double> totals = new ArrayList<>();
        for (int i = 0; i < warm + runs; i++) {
            Trace.mark("begin");
            ContainerRequest request = ContainerRequest.rootfs(rootfs).command("/bin/true").autoRemove(true).networkMode("none");
            try (Container c = engine.run(request)) {
                c.pipeOutput(OutputStream.nullOutputStream(), OutputStream.nullOutputStream());
            }
            Trace.mark("end");
            buf.reset();
            Trace.dump();
            if (i < warm) continue;
            String prevName = null; long prev = 0, first = 0;
            for (String line : buf.toString().split("\n")) {
                if (!line.startsWith("[trace] ")) continue;
                String[] p = line.substring(8).split(" ", 2);
                long t = Long.parseLong(p[0]);
                if (prevName == null) { first = t; } else {
                    steps.computeIfAbsent(p[1], k -> new ArrayList<>()).add((t - prev) / 1000.0);
                }
                prevName = p[1]; prev = t;
            }
            totals.add((prev - first) / 1000.0);
        }
        System.setErr(err);
        for (var e : steps.entrySet()) {
            List<Double> v = e.getValue(); Collections.sort(v);
            System.out.printf(Locale.ROOT, "%-22s median %6.3f  min %6.3f  p90 %6.3f  (n=%d)%n", e.getKey(), v.get(v.size()/2), v.get(0), v.get(v.size()*9/10), v.size());
        }
        Collections.sort(totals);
        System.out.printf(Locale.ROOT, "%-22s median %6.3f  min %6.3f  p90 %6.3f%n", "TOTAL", totals.get(totals.size()/2), totals.get(0), totals.get(totals.size()*9/10));
        System.exit(0);
    }
}
