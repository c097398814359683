import dev.berth.engine.Container;
import dev.berth.engine.ContainerRequest;
import dev.berth.engine.Engine;
import dev.berth.linux.NsKind;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The warm library path with and without a network: one JVM, one open {@link Engine}, start-to-exit
 * runs of {@code true} from the host image, alternately on the {@code bridge} network and with
 * {@code --network none} (its own empty network namespace), so that both see the same machine.
 * Each sample is the wall time from {@code engine.run(...)} to the exit code and the
 * auto-removal, as {@code berth run --rm} does it without the JVM start. The extra cost of the
 * bridge is reported twice: as the difference of the medians, and as the median of the
 * differences of neighbouring runs.
 *
 * <p>Run it as root in a network namespace of its own (bench/run.sh's net section does): the
 * bridge, veth pairs and firewall rules go into the caller's network namespace.
 *
 * <pre>
 * nsenter --net=/run/netns/NAME java --enable-native-access=ALL-UNNAMED \
 *     --class-path 'cli/target/berth/lib/*' bench/src/WarmNet.java STATE_DIR [RUNS [WARMUPS [JSON_OUT]]]
 * </pre>
 */
public final class WarmNet {
    private WarmNet() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: WarmNet STATE_DIR [RUNS [WARMUPS [JSON_OUT]]]");
            System.exit(2);
        }
        Path state = Path.of(args[0]);
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int warmups = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path jsonOut = args.length > 3 ? Path.of(args[3]) : null;

        Engine engine = Engine.open(state);
        for (int i = 0; i < warmups; i++) {
            once(engine, true);
            once(engine, false);
        }
        long[] bridge = new long[runs];
        long[] none = new long[runs];
        long[] extra = new long[runs];
        for (int i = 0; i < runs; i++) {
            // alternate which goes first, so that neither always follows the other
            boolean bridgeFirst = i % 2 == 0;
            long a = once(engine, bridgeFirst);
            long b = once(engine, !bridgeFirst);
            bridge[i] = bridgeFirst ? a : b;
            none[i] = bridgeFirst ? b : a;
            extra[i] = bridge[i] - none[i];
        }
        String b = stats(bridge);
        String n = stats(none);
        double extraOfMedians = median(bridge) - median(none);
        double medianExtra = median(extra);
        System.out.printf(Locale.ROOT, "warm library path, %d runs each after %d warm-ups:%n  --network bridge: %s%n"
            + "  --network none:   %s%n  extra for the bridge: %.2f ms (difference of the medians), %.2f ms (median"
            + " of the differences)%n", runs, warmups, b, n, extraOfMedians, medianExtra);
        if (jsonOut != null) {
            Files.writeString(jsonOut, String.format(Locale.ROOT,
                "{\"runs\": %d, \"warmups\": %d, \"bridge\": %s, \"none\": %s, \"extra_of_medians_ms\": %.3f,"
                    + " \"median_extra_ms\": %.3f}%n",
                runs, warmups, json(bridge), json(none), extraOfMedians, medianExtra));
        }
        System.exit(0);
    }

    /** One container, start to removal; nanoseconds. */
    private static long once(Engine engine, boolean bridge) throws Exception {
        ContainerRequest request = ContainerRequest.image("host").command("true").autoRemove(true);
        if (bridge) {
            request.network("bridge");
        } else {
            request.namespace(NsKind.NET, "none");
        }
        long t0 = System.nanoTime();
        try (Container c = engine.run(request)) {
            int code = c.pipeOutput(OutputStream.nullOutputStream(), System.err);
            if (code != 0) {
                throw new IllegalStateException("true exited with " + code);
            }
        }
        return System.nanoTime() - t0;
    }

    private static double median(long[] samples) {
        long[] s = samples.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] / 1e6 : (s[s.length / 2 - 1] + s[s.length / 2]) / 2e6;
    }

    private static double percentile(long[] samples, int p) {
        long[] s = samples.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.max(0, Math.min(s.length, rank) - 1)] / 1e6;
    }

    private static String stats(long[] s) {
        return String.format(Locale.ROOT, "min %.2f ms, median %.2f ms, p90 %.2f ms, max %.2f ms",
            Arrays.stream(s).min().orElse(0) / 1e6, median(s), percentile(s, 90), Arrays.stream(s).max().orElse(0) / 1e6);
    }

    private static String json(long[] s) {
        return String.format(Locale.ROOT, "{\"min_ms\": %.3f, \"median_ms\": %.3f, \"p90_ms\": %.3f, \"max_ms\": %.3f,"
            + " \"mean_ms\": %.3f}", Arrays.stream(s).min().orElse(0) / 1e6, median(s), percentile(s, 90),
            Arrays.stream(s).max().orElse(0) / 1e6, Arrays.stream(s).average().orElse(0) / 1e6);
    }
}
