package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the tests of berth-runtime's real callers (containerd, podman) share: a private
 * directory named like every test root ({@code /tmp/berth-t…}, which bin/leak-check watches),
 * the runtimes as programs those callers exec, commands with their output in files, and a
 * clean-up that removes what they left: by pid, by path and by cgroup of our own, never by name.
 */
final class OciConsumers {
    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private OciConsumers() {}

    /** Short: berth-runtime's control socket lies a few levels below and must stay under 108 bytes. */
    static Path newDir() throws IOException {
        byte[] b = new byte[3];
        new SecureRandom().nextBytes(b);
        return Files.createDirectory(Path.of("/tmp/berth-t" + HexFormat.of().formatHex(b)));
    }

    /** A copy of the busybox rootfs: containerd and podman create mount points and files in it. */
    static Path rootfs(Path dir) throws IOException, InterruptedException {
        Path rootfs = dir.resolve("rootfs");
        Process p = new ProcessBuilder("cp", "-a", Rootfs.busybox().toString(), rootfs.toString()).inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "cp -a of the busybox rootfs");
        return rootfs;
    }

    /**
     * berth-runtime over this build's classes, as a program named like the real one (podman
     * picks its log flags by the name), with a root of its own: podman passes no --root at all,
     * containerd passes one after ours, which wins. As bin/berth-runtime does, the calls go
     * through a warm server (here with a socket of the test's, stopped by {@link #cleanUp}).
     */
    static Path berthRuntime(Path dir) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> jvm = List.of("--launch", java,
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), "dev.berth.cli.oci.RuntimeMain",
            "--root", dir.resolve("berth-root").toString());
        // the client sends the server what follows the main class: --root, its value and "$@"
        return script(dir, "berth-runtime", List.of(Berth.STAGE.toString(), "--client", socket(dir).toString()),
            "$(($# + 2))", jvm);
    }

    static Path socket(Path dir) {
        return dir.resolve("srv/runtime.sock");
    }

    /** runc, the reference, with a private root: its default /run/runc is the host's. */
    static Path runc(Path dir) throws IOException {
        return script(dir, "runc", List.of("/usr/sbin/runc", "--root", dir.resolve("runc-root").toString()));
    }

    private static Path script(Path dir, String name, List<String> command) throws IOException {
        return script(dir, name, command, null, List.of());
    }

    /** {@code exec COMMAND [RAW MORE] "$@"}, every word quoted but RAW, which the shell expands. */
    private static Path script(Path dir, String name, List<String> command, String raw, List<String> more)
        throws IOException {
        StringBuilder sb = new StringBuilder("#!/bin/sh\nexec");
        for (String a : command) {
            sb.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        if (raw != null) {
            sb.append(' ').append(raw);
        }
        for (String a : more) {
            sb.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        sb.append(" \"$@\"\n");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path file = bin.resolve(name);
        Files.writeString(file, sb.toString());
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /**
     * Runs {@code command} in {@code dir}. Output goes to files, not pipes: a detached container
     * or daemon that inherited a pipe would keep it open and us waiting.
     */
    static Result run(Path dir, Map<String, String> env, String input, List<String> command)
        throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Path in = null;
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            if (input != null) {
                in = Files.createTempFile(dir, "in", ".txt");
                Files.writeString(in, input);
                pb.redirectInput(in.toFile());
            } else {
                pb.redirectInput(Path.of("/dev/null").toFile());
            }
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("hangs: " + String.join(" ", command));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.delete(out);
            Files.delete(err);
            if (in != null) {
                Files.delete(in);
            }
        }
    }

    /**
     * Runs {@code command} with a terminal of its own, which {@code ctr -t} and {@code podman -t}
     * need: script(1) makes one. Its input is a pipe left open and empty: at the end of a file
     * script passes a byte on, which the container's terminal echoes (with runc as well). Both
     * terminals on the way add a CR to each line, which is not the container's output either.
     */
    static Result runInTerminal(Path dir, Map<String, String> env, List<String> command)
        throws IOException, InterruptedException {
        StringBuilder sb = new StringBuilder();
        for (String a : command) {
            sb.append(sb.isEmpty() ? "" : " ").append('\'').append(a.replace("'", "'\\''")).append('\'');
        }
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder("script", "-qec", sb.toString(), "/dev/null").directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            try {
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                    throw new AssertionError("hangs: " + sb);
                }
            } finally {
                p.getOutputStream().close();
            }
            return new Result(p.exitValue(), Files.readString(out).replace("\r", ""), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    /** Waits for a state the callers reach on their own (an exit seen, a log written). */
    static void waitFor(String what, Check c) throws Exception {
        for (int i = 0; i < 500; i++) {
            if (c.ok()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("not reached in 10 s: " + what);
    }

    /** The hard limits we run under: a container may not ask for more without CAP_SYS_RESOURCE. */
    static long hardLimit(String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith(name)) {
                String hard = line.substring(name.length()).trim().split("\\s+")[1];
                return hard.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(hard);
            }
        }
        throw new IOException("no " + name + " in /proc/self/limits");
    }

    /** The container's cgroup, on a v1 (or hybrid) host or a v2 one. */
    static boolean cgroupExists(String path) {
        return Files.isDirectory(v1("memory", path)) || Files.isDirectory(v2(path));
    }

    static boolean frozen(String path) throws IOException {
        if (Files.isDirectory(v1("freezer", path))) {
            return Files.readString(v1("freezer", path).resolve("freezer.state")).strip().equals("FROZEN");
        }
        return Files.readString(v2(path).resolve("cgroup.events")).contains("frozen 1");
    }

    static long memoryLimit(String path) throws IOException {
        Path file = Files.isDirectory(v1("memory", path)) ? v1("memory", path).resolve("memory.limit_in_bytes")
            : v2(path).resolve("memory.max");
        return Long.parseLong(Files.readString(file).strip());
    }

    private static Path v1(String controller, String path) {
        return Path.of("/sys/fs/cgroup", controller, path.substring(1));
    }

    private static Path v2(String path) {
        return Path.of("/sys/fs/cgroup", path.substring(1));
    }

    /**
     * Removes whatever the callers left of this test: processes working in {@code dir} (their
     * daemons, shims, conmon and its clean-up) and those in our cgroups are killed by pid, then
     * mounts under {@code dir}, our cgroups and {@code dir} itself go. Safe to run after a failure.
     */
    static void cleanUp(Path dir) throws Exception {
        RuntimeServers.stop(socket(dir));
        String cgroups = "/" + dir.getFileName();
        for (int round = 0; round < 100; round++) {
            List<Long> pids = new ArrayList<>(Host.processesUnder(dir));
            pids.addAll(cgroupPids(cgroups));
            pids.remove(ProcessHandle.current().pid());
            if (pids.isEmpty()) {
                break;
            }
            thaw(cgroups); // a frozen process dies only once thawed
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            Thread.sleep(20);
        }
        List<String> mounts = Host.mountsUnder(dir);
        for (int i = mounts.size() - 1; i >= 0; i--) {
            new ProcessBuilder("umount", "-l", mounts.get(i)).inheritIO().start().waitFor();
        }
        new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).inheritIO().start().waitFor();
        Host.removeCgroups(cgroups);
    }

    private static List<Long> cgroupPids(String path) throws IOException {
        List<Long> out = new ArrayList<>();
        for (Path top : hierarchies()) {
            Path dir = top.resolve(path.substring(1));
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path procs : walk.filter(p -> p.getFileName().toString().equals("cgroup.procs")).toList()) {
                    for (String line : Files.readAllLines(procs)) {
                        if (!line.isBlank() && !out.contains(Long.parseLong(line.strip()))) {
                            out.add(Long.parseLong(line.strip()));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static void thaw(String path) throws IOException {
        for (Path top : hierarchies()) {
            Path dir = top.resolve(path.substring(1));
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path f : walk.toList()) {
                    String name = f.getFileName().toString();
                    if (name.equals("freezer.state")) {
                        Files.writeString(f, "THAWED");
                    } else if (name.equals("cgroup.freeze")) {
                        Files.writeString(f, "0");
                    }
                }
            }
        }
    }

    private static List<Path> hierarchies() throws IOException {
        List<Path> tops = new ArrayList<>(List.of(Path.of("/sys/fs/cgroup")));
        try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
            tops.addAll(s.filter(Files::isDirectory).toList());
        }
        return tops;
    }
}
