package dev.berth.linux.nft;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A network namespace of the test's own, held by {@code unshare --net sleep 600}, killed by pid. */
final class TestNetns implements AutoCloseable {
    private final Process holder;
    final Path path;

    TestNetns() throws Exception {
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
    }

    /** Runs a command in the namespace with nsenter; fails the test when it fails. */
    String sh(String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + path));
        argv.addAll(List.of(command));
        return run(argv);
    }

    static String run(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        holder.destroyForcibly();
        holder.waitFor();
    }
}
