package dev.berth.bench;

import dev.berth.linux.NsKind;
import dev.berth.runtime.ContainerConfig;
import dev.berth.runtime.IdMap;
import dev.berth.runtime.NamespaceMode;
import dev.berth.runtime.ProcessSpec;
import dev.berth.runtime.ProgramCompiler;
import dev.berth.runtime.Rootfs;
import dev.berth.runtime.stage.Program;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
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

/** Container spec to stage program: the policy half of every start, and its wire encoding. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CompileBenchmark {
    private ContainerConfig host;
    private ContainerConfig rootfsUserns;

    @Setup
    public void setUp() {
        Map<NsKind, NamespaceMode> ns = new EnumMap<>(NsKind.class);
        for (NsKind k : List.of(NsKind.MNT, NsKind.PID, NsKind.NET, NsKind.UTS, NsKind.IPC, NsKind.CGROUP)) {
            ns.put(k, NamespaceMode.PRIVATE);
        }
        ProcessSpec proc = new ProcessSpec(List.of("/bin/true"), List.of("PATH=/bin", "HOME=/root"), "/",
            0, 0, List.of(), false, false, false, 24, 80);
        Path dir = Path.of("/var/lib/berth/containers", Documents.id(1));
        Map<String, Path> etc = Map.of("hostname", dir.resolve("hostname"), "hosts", dir.resolve("hosts"),
            "resolv.conf", dir.resolve("resolv.conf"));
        host = new ContainerConfig(Documents.id(1), dir, dir.resolve("container.log"), new Rootfs.Host(),
            "box", ns, null, null, null, etc, proc, List.of(), true);
        Map<NsKind, NamespaceMode> userns = new EnumMap<>(ns);
        userns.put(NsKind.USER, NamespaceMode.PRIVATE);
        IdMap map = new IdMap(0, 100000, 65536);
        rootfsUserns = new ContainerConfig(Documents.id(2), dir, dir.resolve("container.log"),
            new Rootfs.Directory(Path.of("/srv/rootfs"), false), "box", userns, map, map, null, etc, proc,
            List.of(), false);
    }

    @Benchmark
    public Program compileHostImage() {
        return ProgramCompiler.compileRun(host);
    }

    @Benchmark
    public Program compileRootfsWithUserNamespace() {
        return ProgramCompiler.compileRun(rootfsUserns);
    }

    @Benchmark
    public byte[] compileAndEncode() {
        return ProgramCompiler.compileRun(host).encode();
    }
}
