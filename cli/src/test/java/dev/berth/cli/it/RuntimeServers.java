package dev.berth.cli.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Stops a warm runtime server a test started: it leaves when its socket goes. */
final class RuntimeServers {
    private RuntimeServers() {}

    /** Returns whether a server had started on {@code socket}. */
    static boolean stop(Path socket) throws IOException, InterruptedException {
        Optional<ProcessHandle> server = pid(socket).flatMap(ProcessHandle::of);
        Files.deleteIfExists(socket);
        if (server.isEmpty()) {
            return Files.exists(socket.resolveSibling("runtime-server.log"));
        }
        for (int i = 0; i < 100 && server.get().isAlive(); i++) {
            Thread.sleep(50);
        }
        if (server.get().isAlive()) {
            server.get().destroyForcibly();
            throw new AssertionError("the runtime server did not leave when its socket was removed");
        }
        return true;
    }

    /** Whether {@code pid} is a warm runtime server (which outlives the calls of a test). */
    static boolean isServer(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cmdline")).contains("dev.berth.cli.oci.RuntimeServer");
        } catch (IOException e) {
            return false; // gone
        }
    }

    /** The pid of the server that started on {@code socket}, if one did. */
    static Optional<Long> pid(Path socket) throws IOException {
        return pidFromLog(socket.resolveSibling("runtime-server.log"));
    }

    /** From the server's first log line: "berth-runtime server PID on SOCKET". */
    private static Optional<Long> pidFromLog(Path log) throws IOException {
        if (!Files.exists(log)) {
            return Optional.empty();
        }
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("berth-runtime server ")) {
                return Optional.of(Long.parseLong(line.split(" ")[2]));
            }
        }
        return Optional.empty();
    }
}
