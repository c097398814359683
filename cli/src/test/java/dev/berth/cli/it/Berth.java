package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the real berth CLI in a child JVM against a state root of its own, and cleans that root
 * up afterwards: every monitor it started is killed by pid, then the directory is deleted.
 *
 * <p>The JVM is started as {@code bin/berth} starts it, through {@code berth-stage --launch}
 * (unless {@link #withoutLauncher()}), with the state root as its working directory: a stage the
 * CLI did not use shows up in {@link Host#processesUnder} if it fails to exit.
 */
final class Berth implements AutoCloseable {
    static final Path STAGE = Path.of("../native/target/berth-stage").toAbsolutePath().normalize();

    record Result(int code, String out, String err) {
        String line() {
            return out.strip();
        }
    }

    private final Path root;
    private boolean launcher = true;
    private Process netnsHolder;

    /**
     * Runs every command in a network namespace of this test's own (held by a sleeping process,
     * killed by {@link #close()}), so bridges, veths and firewall rules never reach the host's.
     */
    Berth inOwnNetns() throws Exception {
        netnsHolder = new ProcessBuilder("unshare", "--net", "sh", "-c", "ip link set lo up && exec sleep 600").start();
        String host = Host.ownNs("net");
        for (int i = 0; i < 200 && (Host.ns(netnsHolder.pid(), "net").equals(host) || !lo()); i++) {
            Thread.sleep(10);
        }
        if (Host.ns(netnsHolder.pid(), "net").equals(host)) {
            throw new IllegalStateException("the test's network namespace did not come up");
        }
        return this;
    }

    /**
     * Ends this test's network namespace and makes another one whose inode is {@code inode}: the
     * kernel hands out the lowest free inode, so a freed namespace's goes to the next one made once
     * the old namespace is cleaned up (a moment after its last process). Namespaces that get
     * another inode meanwhile are held until then, so that they keep the lower free ones.
     *
     * @return false when no new namespace got the inode for a few seconds
     */
    boolean inNetnsWithInode(String inode) throws Exception {
        netnsHolder.destroyForcibly().waitFor();
        List<Process> others = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                Thread.sleep(100);
                inOwnNetns();
                if (Files.readSymbolicLink(netns()).toString().equals(inode)) {
                    return true;
                }
                others.add(netnsHolder);
            }
            return false;
        } finally {
            for (Process p : others) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    private boolean lo() throws IOException {
        return ProcessHandle.of(netnsHolder.pid()).flatMap(p -> p.info().command()).map(c -> c.endsWith("sleep"))
            .orElse(false);
    }

    /** The network namespace the commands run in ({@link #inOwnNetns}). */
    Path netns() {
        return Path.of("/proc/" + netnsHolder.pid() + "/ns/net");
    }

    /** Starts the JVM directly, as the library path does: it spawns its stage itself. */
    Berth withoutLauncher() {
        launcher = false;
        return this;
    }

    Berth() throws IOException {
        // short: the monitor's socket path must stay under 108 bytes
        byte[] b = new byte[3];
        new SecureRandom().nextBytes(b);
        root = Files.createDirectory(Path.of("/tmp/berth-t" + HexFormat.of().formatHex(b)));
    }

    Path root() {
        return root;
    }

    /** This test's own cgroup parent (named like its root), removed by {@link #close()}. */
    String cgroupParent() {
        return "/" + root.getFileName();
    }

    Result run(String... args) throws IOException, InterruptedException {
        return runWithInput(null, args);
    }

    private final java.util.Map<String, String> env = new java.util.HashMap<>();

    /** Sets an environment variable for every later command. */
    Berth env(String name, String value) {
        env.put(name, value);
        unset.remove(name);
        return this;
    }

    private final java.util.Set<String> unset = new java.util.HashSet<>();

    /**
     * Removes a variable of the test JVM's from every later command's environment, e.g.
     * {@code BERTH_DEFAULT_NETWORK}, which the build sets to {@code none} for every test.
     */
    Berth unsetEnv(String name) {
        env.remove(name);
        unset.add(name);
        return this;
    }

    /** This helper's variables, applied to the environment of a process it did not start itself. */
    void applyEnv(java.util.Map<String, String> target) {
        unset.forEach(target::remove);
        target.putAll(env);
    }

    /** Starts the CLI without waiting for it; its output is discarded. */
    Process start(String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(args));
        pb.environment().put("BERTH_CGROUP_PARENT", cgroupParent());
        applyEnv(pb.environment());
        return pb.directory(root.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    Result runWithInput(String input, String... args) throws IOException, InterruptedException {
        return run(java.util.Map.of(), input, args);
    }

    /** With {@code env} added to the CLI's environment (e.g. a PATH without a helper program). */
    Result runWithEnv(java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
        return run(env, null, args);
    }

    private Result run(java.util.Map<String, String> extra, String input, String... args)
        throws IOException, InterruptedException {
        List<String> cmd = command(args);
        Path out = Files.createTempFile("berth-out", ".txt");
        Path err = Files.createTempFile("berth-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("BERTH_CGROUP_PARENT", cgroupParent());
            applyEnv(pb.environment());
            pb.environment().putAll(extra);
            if (input == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            }
            Process p = pb.start();
            if (input != null) {
                p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("berth " + String.join(" ", args) + " did not finish in 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The command line that runs berth with {@code args}, for scripts. */
    List<String> command(String... args) {
        if (netnsHolder == null && (touchesLinks(args) || runsOnTheDefault(args) && defaultTouchesLinks())) {
            throw new IllegalStateException("berth " + String.join(" ", args) + " would change the host's links or"
                + " firewall: call inOwnNetns() first");
        }
        List<String> cmd = new ArrayList<>();
        if (netnsHolder != null) {
            cmd.add("nsenter");
            cmd.add("--net=" + netns());
        }
        if (launcher) {
            cmd.add(STAGE.toString());
            cmd.add("--launch");
        }
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        // as bin/berth: no /tmp/hsperfdata file, whose lock a JVM of the same pid in another pid
        // namespace can hold (the JVM then warns on stdout, into the output a test reads)
        cmd.add("-XX:-UsePerfData");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.berth.cli.Main");
        cmd.add("--root");
        cmd.add(root.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** A bridge network asked for (--network NAME, or a network command that makes one). */
    private static boolean touchesLinks(String... args) {
        if (args.length > 1 && args[0].equals("network") && List.of("create", "connect", "reload").contains(args[1])) {
            return true;
        }
        if (args.length == 0 || !List.of("run", "create").contains(args[0])) {
            return false; // ns enter --net, ns unshare --net: flags without a value
        }
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--network") || args[i].equals("--net")) {
                String mode = args[i + 1];
                if (!(mode.equals("none") || mode.equals("host") || mode.startsWith("container:") || mode.startsWith("pasta")
                    || mode.startsWith("/"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A run or create without a network option, which gets the default network. */
    private static boolean runsOnTheDefault(String... args) {
        return args.length > 0 && List.of("run", "create").contains(args[0])
            && !List.of(args).contains("--network") && !List.of(args).contains("--net")
            && List.of(args).stream().noneMatch(a -> a.startsWith("--network=") || a.startsWith("--net="));
    }

    /** Whether the default network the commands get is a bridge: root's, unless BERTH_DEFAULT_NETWORK says otherwise. */
    private boolean defaultTouchesLinks() {
        String d = unset.contains("BERTH_DEFAULT_NETWORK") ? null
            : env.getOrDefault("BERTH_DEFAULT_NETWORK", System.getenv("BERTH_DEFAULT_NETWORK"));
        if (d == null || d.isBlank()) {
            return Host.isRoot();
        }
        return !(d.equals("none") || d.equals("host") || d.startsWith("pasta"));
    }

    /** Runs and expects exit code 0; returns stdout. */
    String ok(String... args) throws IOException, InterruptedException {
        Result r = run(args);
        assertEquals(0, r.code(), () -> "berth " + String.join(" ", args) + " failed: " + r.err());
        return r.out();
    }

    @Override
    public void close() throws IOException {
        Path containers = root.resolve("containers");
        if (Files.isDirectory(containers)) {
            try (Stream<Path> dirs = Files.list(containers)) {
                for (Path d : dirs.toList()) {
                    killMonitor(d);
                }
            }
        }
        try {
            Host.scrub(root, cgroupParent());
        } finally {
            if (netnsHolder != null) {
                netnsHolder.destroyForcibly();
            }
        }
    }

    /** Kills a container left running by a failed test: its monitor and its process, by pid. */
    private static void killMonitor(Path dir) {
        try {
            String state = Files.readString(dir.resolve("state.json"));
            for (String field : List.of("\"Pid\"", "\"MonitorPid\"")) {
                int i = state.indexOf(field);
                if (i < 0) {
                    continue;
                }
                String rest = state.substring(state.indexOf(':', i) + 1).strip();
                long pid = Long.parseLong(rest.substring(0, rest.indexOf(',') < 0 ? rest.length() : rest.indexOf(',')).strip());
                if (pid > 1) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no state: nothing was started
        }
    }
}
