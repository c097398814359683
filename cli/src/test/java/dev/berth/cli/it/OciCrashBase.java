package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What {@link OciCrashTest} and {@link OciServerCrashTest} share: a state root per test, one
 * read-only busybox root for every container, each container with a cgroup under the test's
 * own, calls with a JVM each (as containerd's shim runs them without a server), and the check
 * from outside that nothing is left: no process, stage, mount, cgroup or state directory.
 */
abstract class OciCrashBase {
    Path dir;
    Path bundle;
    String config;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Host.isRoot(), "containers need root");
        dir = Files.createTempDirectory(Path.of("/tmp"), "berth-tcrash");
        bundle = dir.resolve("bundle");
        Files.createDirectories(bundle);
        run(0, "spec", "--bundle", bundle.toString());
        config = Files.readString(bundle.resolve("config.json"))
            .replace("\"terminal\": true", "\"terminal\": false")
            .replace("\"sh\"", "\"sleep\", \"30\"")
            .replace("\"path\": \"rootfs\"", "\"path\": \"" + Rootfs.busybox() + "\"");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (dir == null) {
            return;
        }
        try {
            for (String id : run(0, "list", "-q").split("\n")) {
                if (!id.isBlank()) {
                    run(0, "delete", "-f", id.strip());
                }
            }
            assertEquals(List.of(), leftovers());
        } finally {
            Host.scrub(dir, "/" + dir.getFileName());
        }
    }

    // ---- helpers

    Path pidFile(String id) {
        return dir.resolve(id + ".pid");
    }

    /** create of {@code id} with its own cgroup under the test's, and a pid file. */
    Result create(String id, Map<String, String> env) throws Exception {
        configFor(id);
        return runWith(env, "create", "--bundle", bundle.toString(), "--pid-file", pidFile(id).toString(), id);
    }

    /** The bundle's config.json for container {@code id}: its own cgroup under the test's. */
    void configFor(String id) throws IOException {
        Files.writeString(bundle.resolve("config.json"), config.replaceFirst("\"linux\": \\{",
            "\"linux\": {\n\t\t\"cgroupsPath\": \"/" + dir.getFileName() + "/" + id + "\","));
    }

    /** What must not be there: processes, cgroups, mounts, and state directories of ours. */
    List<String> leftovers() throws IOException, InterruptedException {
        for (int t = 0; t < 100 && !stages().isEmpty(); t++) {
            Thread.sleep(10); // the idle stage of the last call leaves right after its JVM
        }
        List<String> out = new ArrayList<>();
        for (long pid : processesInOurCgroups()) {
            out.add("process " + pid);
        }
        for (long pid : stages()) {
            out.add("monitor " + pid);
        }
        for (String m : Host.mountsUnder(dir)) {
            out.add("mount " + m);
        }
        for (String c : cgroupsOf("")) {
            out.add("cgroup " + c);
        }
        Path root = dir.resolve("root");
        if (Files.isDirectory(root)) {
            try (Stream<Path> s = Files.list(root)) {
                s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("~lock")).forEach(n -> out.add("state " + n));
            }
        }
        return out;
    }

    /** The cgroup directories of container {@code id} ("": of any) in every hierarchy. */
    List<String> cgroupsOf(String id) throws IOException {
        List<String> out = new ArrayList<>();
        List<Path> tops = new ArrayList<>(List.of(Path.of("/sys/fs/cgroup")));
        try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
            tops.addAll(s.filter(Files::isDirectory).toList());
        }
        for (Path top : tops) {
            Path ours = top.resolve(dir.getFileName().toString());
            if (!Files.isDirectory(ours)) {
                continue;
            }
            try (Stream<Path> s = Files.list(ours)) {
                s.filter(Files::isDirectory).filter(p -> id.isEmpty() || p.getFileName().toString().equals(id))
                    .forEach(p -> out.add(p.toString()));
            }
        }
        return out;
    }

    /** Processes in a cgroup under the test's, read from /proc: the containers' and their execs'. */
    List<Long> processesInOurCgroups() {
        String mark = "/" + dir.getFileName() + "/";
        List<Long> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                if (Files.readString(Path.of("/proc/" + p.pid() + "/cgroup")).contains(mark) && Host.running(p.pid())) {
                    out.add(p.pid());
                }
            } catch (IOException | RuntimeException e) {
                // gone meanwhile
            }
        });
        return out;
    }

    List<Long> pidsIn(String id) {
        String mark = "/" + dir.getFileName() + "/" + id + "\n";
        List<Long> out = new ArrayList<>();
        for (long pid : processesInOurCgroups()) {
            try {
                if (Files.readString(Path.of("/proc/" + pid + "/cgroup")).contains(mark)) {
                    out.add(pid);
                }
            } catch (IOException e) {
                // gone meanwhile
            }
        }
        return out;
    }

    /**
     * Our stages: processes still named berth-monitor (a stage, or a container process that
     * never reached its command) that work in or hold a file under the test's directory.
     */
    List<Long> stages() {
        List<Long> created = new ArrayList<>(); // a created container's process waits as a stage for its start
        try (Stream<Path> s = Files.list(dir.resolve("root"))) {
            for (Path d : s.toList()) {
                Path state = d.resolve("state.json");
                if (Files.exists(state)) {
                    String json = Files.readString(state);
                    int at = json.indexOf("\"pid\":") + 6;
                    int end = at;
                    while (Character.isDigit(json.charAt(end))) {
                        end++;
                    }
                    created.add(Long.parseLong(json.substring(at, end)));
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // no container yet
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        List<Long> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            Path proc = Path.of("/proc/" + p.pid());
            try {
                if (created.contains(p.pid()) || !Files.readString(proc.resolve("comm")).strip().equals("berth-monitor") || !Host.running(p.pid())) {
                    return;
                }
                boolean ours = Files.readSymbolicLink(proc.resolve("cwd")).startsWith(dir);
                try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                    for (Path fd : fds.toList()) {
                        try {
                            ours |= Files.readSymbolicLink(fd).startsWith(dir);
                        } catch (IOException e) {
                            // closed meanwhile
                        }
                    }
                }
                if (ours) {
                    out.add(p.pid());
                }
            } catch (IOException | RuntimeException e) {
                // gone meanwhile
            }
        });
        return out;
    }

    static List<String> describe(List<Long> pids) {
        List<String> out = new ArrayList<>();
        for (long pid : pids) {
            try {
                Path proc = Path.of("/proc/" + pid);
                out.add(pid + " " + Files.readString(proc.resolve("stat")) + " fds "
                    + Files.list(proc.resolve("fd")).map(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).toString();
                        } catch (IOException e) {
                            return "?";
                        }
                    }).toList());
            } catch (IOException e) {
                out.add(pid + " gone");
            }
        }
        return out;
    }

    /** A killed create's monitor notices and cleans up on its own: wait for it to be gone. */
    void awaitNoMonitor() throws InterruptedException {
        for (int t = 0; t < 300 && !stages().isEmpty(); t++) {
            Thread.sleep(10);
        }
        assertEquals(List.of(), describe(stages()), "a monitor stayed");
    }

    record Result(int code, String out) {}

    String run(int code, String... args) throws Exception {
        Result r = runWith(Map.of(), args);
        assertEquals(code, r.code, () -> "berth-runtime " + String.join(" ", args) + ": " + r.out);
        return r.out;
    }

    /** berth-runtime with our root, a JVM per call (as OciRuntimeTest), with {@code env} added. */
    Result runWith(Map<String, String> env, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt"); // a file: a created container inherits it
        List<String> cmd = new ArrayList<>(List.of(Berth.STAGE.toString(), "--launch",
            ProcessHandle.current().info().command().orElseThrow(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-XX:-UsePerfData", "-Xshare:auto", "-cp", System.getProperty("java.class.path"), "dev.berth.cli.oci.RuntimeMain",
            "--root", dir.resolve("root").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("BERTH_STAGE", Berth.STAGE.toString());
        pb.environment().put("BERTH_RUNTIME_SERVER", "off");
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String text = Files.readString(out);
        Files.delete(out);
        assertNotEquals(-1, p.exitValue());
        return new Result(p.exitValue(), text);
    }
}
