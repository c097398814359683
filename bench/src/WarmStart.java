import dev.berth.engine.Container;
import dev.berth.engine.ContainerRequest;
import dev.berth.engine.Engine;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The warm library path: one JVM, one open {@link Engine}, many start-to-exit runs of
 * {@code /bin/true}. Each sample is the wall time from {@code engine.run(...)} to the return of
 * {@code pipeOutput} plus {@code close()}: the container is created, started, waited for and,
 * since it is {@code autoRemove}, removed again - the same work as {@code berth run --rm}, without
 * the JVM start.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --class-path 'cli/target/berth/lib/*' \
 *     bench/src/WarmStart.java STATE_DIR ROOTFS [RUNS [WARMUPS [JSON_OUT]]]
 * </pre>
 *
 * Prints one human-readable line; with JSON_OUT also writes the numbers (milliseconds) there.
 * A measured run that throws is reported and left out (more than 10% failing is fatal); the
 * warm-ups must all succeed.
 */
public final class WarmStart {
    private WarmStart() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: WarmStart STATE_DIR ROOTFS [RUNS [WARMUPS [JSON_OUT]]]");
            System.exit(2);
        }
        Path state = Path.of(args[0]);
        Path rootfs = Path.of(args[1]);
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int warmups = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        Path jsonOut = args.length > 4 ? Path.of(args[4]) : null;

        Engine engine = Engine.open(state);

        for (int i = 0; i < warmups; i++) {
            once(engine, rootfs);
        }
        // a run that throws is counted, reported and left out of the samples, not retried
        long[] nanos = new long[runs];
        int samples = 0;
        int failures = 0;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            try {
                once(engine, rootfs);
                nanos[samples++] = System.nanoTime() - t0;
            } catch (Exception e) {
                if (failures++ == 0) {
                    System.err.println("WarmStart: run " + i + " failed: " + e);
                }
            }
        }
        if (failures > 0) {
            System.err.println("WarmStart: " + failures + " of " + runs + " runs failed");
        }
        if (samples == 0 || failures > runs / 10) {
            System.exit(1);
        }
        nanos = Arrays.copyOf(nanos, samples);
        runs = samples;

        Arrays.sort(nanos);
        double mean = Arrays.stream(nanos).average().orElse(0) / 1e6;
        double min = nanos[0] / 1e6;
        double median = percentile(nanos, 50);
        double p90 = percentile(nanos, 90);
        double max = nanos[runs - 1] / 1e6;
        System.out.printf(Locale.ROOT,
            "warm library path: %d runs after %d warm-ups (%d failed): min %.2f ms, median %.2f ms,"
                + " p90 %.2f ms, max %.2f ms, mean %.2f ms%n",
            runs, warmups, failures, min, median, p90, max, mean);
        if (jsonOut != null) {
            Files.writeString(jsonOut, String.format(Locale.ROOT,
                "{\"runs\": %d, \"warmups\": %d, \"failures\": %d, \"min_ms\": %.3f,"
                    + " \"median_ms\": %.3f, \"p90_ms\": %.3f, \"max_ms\": %.3f, \"mean_ms\": %.3f}%n",
                runs, warmups, failures, min, median, p90, max, mean));
        }
    }

    /** One container: create, start, wait for the exit, remove (autoRemove). */
    private static void once(Engine engine, Path rootfs) throws Exception {
        ContainerRequest request = ContainerRequest.rootfs(rootfs).command("/bin/true").autoRemove(true)
            .networkMode("none"); // as the cold rows: comparable with runc, crun and podman --network none
        try (Container c = engine.run(request)) {
            int code = c.pipeOutput(OutputStream.nullOutputStream(), System.err);
            if (code != 0) {
                throw new IllegalStateException("/bin/true exited with " + code);
            }
        }
    }

    /** Nearest-rank percentile of sorted samples, in milliseconds. */
    private static double percentile(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)] / 1e6;
    }
}
