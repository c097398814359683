package dev.berth.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace of a test's own: held by {@code unshare --net sleep 600}, gone when the
 * holder is killed (by its pid) in {@link #close}. {@link #ip} and {@link #run} look at it from
 * outside through nsenter, the oracle for what Rtnl did.
 */
final class Netns implements AutoCloseable {
    private final Process holder;
    private final Path path;

    Netns() throws Exception {
        holder = new ProcessBuilder("unshare", "--net", "sleep", "600").start();
        path = Path.of("/proc/" + holder.pid() + "/ns/net");
        String ours = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        String now = "";
        for (int i = 0; i < 500; i++) {
            now = Files.readSymbolicLink(path).toString();
            if (!now.equals(ours)) {
                return;
            }
            Thread.sleep(5);
        }
        close();
        assertNotEquals(ours, now, "unshare --net did not make a namespace of its own");
    }

    Path path() {
        return path;
    }

    /** {@code ip ARGS} in this namespace; its output, or an assertion error with its stderr. */
    String ip(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Result r = run(command.toArray(new String[0]));
        if (r.status != 0) {
            throw new AssertionError("ip " + String.join(" ", args) + " failed (" + r.status + "): " + r.err);
        }
        return r.out;
    }

    /** {@code ip ARGS} in this namespace, which must fail. */
    String ipFails(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Result r = run(command.toArray(new String[0]));
        if (r.status == 0) {
            throw new AssertionError("ip " + String.join(" ", args) + " succeeded: " + r.out);
        }
        return r.err;
    }

    /** {@code busybox ping -c1 -W1 ADDRESS} from this namespace: true when a reply came. */
    boolean ping(String address) throws Exception {
        return run("busybox", "ping", "-c1", "-W1", address).status == 0;
    }

    Result run(String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + path));
        full.addAll(List.of(command));
        Path err = Files.createTempFile("berth-netns", ".err");
        try {
            Process p = new ProcessBuilder(full).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(String.join(" ", command) + " did not finish in 20 s");
            }
            return new Result(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    record Result(int status, String out, String err) {}

    @Override
    public void close() throws IOException {
        try {
            holder.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
