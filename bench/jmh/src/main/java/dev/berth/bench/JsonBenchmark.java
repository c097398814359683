package dev.berth.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.berth.runtime.json.Json;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading and writing one state.json, warm: berth's codec next to jackson-jr. (Cold, the
 * difference that made berth write its own is start-up cost, which JMH does not see: see
 * docs/performance.md.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JsonBenchmark {
    private Map<String, Object> doc;
    private String text;
    private JSON pretty;

    @Setup
    public void setUp() {
        doc = Documents.state(Documents.id(1), "bold_turing_1", true);
        text = Json.pretty(doc);
        pretty = JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT, JSON.Feature.WRITE_NULL_PROPERTIES);
    }

    @Benchmark
    public Object parseBerth() throws Exception {
        return Json.parse(text);
    }

    @Benchmark
    public Object parseJacksonJr() throws Exception {
        return JSON.std.anyFrom(text);
    }

    @Benchmark
    public String writeBerth() {
        return Json.pretty(doc);
    }

    @Benchmark
    public String writeJacksonJr() throws Exception {
        return pretty.asString(doc);
    }
}
