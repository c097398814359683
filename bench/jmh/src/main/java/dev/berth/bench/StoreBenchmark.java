package dev.berth.bench;

import dev.berth.engine.Engine;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reads of the state directory with 10, 100 and 1000 (exited) containers in it, as {@code ps},
 * {@code inspect NAME} and {@code inspect PREFIX} do them. No root needed: the documents are
 * written directly, in the layout the engine uses.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StoreBenchmark {
    @Param({"10", "100", "1000"})
    public int containers;

    private Path root;
    private Engine engine;
    private String lastName;
    private String lastPrefix;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        root = Files.createTempDirectory("berth-jmh");
        for (int i = 0; i < containers; i++) {
            String id = Documents.id(i);
            String name = "bench_" + i;
            Path dir = Files.createDirectories(root.resolve("containers").resolve(id));
            Map<String, Object> doc = Documents.state(id, name, false);
            Files.write(dir.resolve("state.json"), Json.pretty(doc).getBytes(StandardCharsets.UTF_8));
            Files.writeString(dir.resolve("exit"), "0 1795525388200000000\n");
            Files.createDirectories(root.resolve("names"));
            Files.createSymbolicLink(root.resolve("names").resolve(name), Path.of(id));
            lastName = name;
            lastPrefix = id.substring(0, 12);
        }
        engine = Engine.open(root);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    public List<Map<String, Object>> psAll() throws Exception {
        return engine.list(true);
    }

    @Benchmark
    public Map<String, Object> inspectByName() throws Exception {
        return engine.inspect(lastName);
    }

    @Benchmark
    public Map<String, Object> inspectByIdPrefix() throws Exception {
        return engine.inspect(lastPrefix);
    }
}
