package dev.berth.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace of the test's own, held by {@code unshare --net sleep 600} and ended by
 * killing that process (by pid) in close. Topology is built with {@code ip} through nsenter.
 */
final class Netns implements AutoCloseable {
    private final Process holder;
    private final List<Process> servers = new ArrayList<>();
    final Path path;

    Netns() throws Exception {
        holder = new ProcessBuilder("unshare", "--net", "sleep", "600").start();
        path = Path.of("/proc/" + holder.pid() + "/ns/net");
        String ours = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        for (int i = 0; i < 200 && Files.readSymbolicLink(path).toString().equals(ours); i++) {
            Thread.sleep(10);
        }
        if (Files.readSymbolicLink(path).toString().equals(ours)) {
            close();
            throw new IllegalStateException("unshare --net did not make a namespace");
        }
        sh("ip", "link", "set", "lo", "up");
    }

    long pid() {
        return holder.pid();
    }

    /** Runs a command in the namespace; fails the test when it fails. */
    String sh(String... command) throws IOException, InterruptedException {
        Result r = tryRun(command);
        if (r.rc != 0) {
            throw new IllegalStateException(String.join(" ", command) + " in " + path + " failed (" + r.rc + "): " + r.out);
        }
        return r.out;
    }

    record Result(int rc, String out) {}

    /** Runs a command in the namespace and returns its exit status and output (stdout and stderr). */
    Result tryRun(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    /** Starts a long-running command in the namespace; it is killed (by pid) in close. */
    Process start(String... command) throws IOException {
        Process p = new ProcessBuilder(argv(command)).redirectErrorStream(true).start();
        servers.add(p);
        return p;
    }

    private List<String> argv(String... command) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + path));
        argv.addAll(List.of(command));
        return argv;
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : servers) {
            p.destroyForcibly();
            p.waitFor();
        }
        holder.destroyForcibly();
        holder.waitFor();
    }
}
