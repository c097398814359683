package dev.berth.image.it;

import dev.berth.image.Digest;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code docker-registry} (distribution 2.8), started by a test on 127.0.0.1 on a free
 * port, with its own config and storage under the test's directory; stopped by its pid.
 */
final class LocalRegistry implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/docker-registry");
    private final Path dir;
    private final int port;
    private final Process process;
    private final Thread onExit;

    private LocalRegistry(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
        // a test JVM stopped midway (timeout, ^C) still stops the registry it started, by its pid
        long pid = process.pid();
        this.onExit = new Thread(() -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /** Starts a registry; {@code htpasswd} (may be null) turns on Basic auth; {@code tls} is {cert, key} or null. */
    static LocalRegistry start(Path dir, Path htpasswd, Path[] tls) throws Exception {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: install Debian's docker-registry (bin/test does)");
        }
        Files.createDirectories(dir.resolve("storage"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        StringBuilder cfg = new StringBuilder();
        cfg.append("version: 0.1\n");
        cfg.append("log:\n  level: info\n  accesslog:\n    disabled: false\n");
        cfg.append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("storage")).append('\n');
        cfg.append("  delete:\n    enabled: true\n");
        cfg.append("http:\n  addr: 127.0.0.1:").append(port).append('\n');
        cfg.append("  secret: berth-test-secret\n");
        if (tls != null) {
            cfg.append("  tls:\n    certificate: ").append(tls[0]).append("\n    key: ").append(tls[1]).append('\n');
        }
        if (htpasswd != null) {
            cfg.append("auth:\n  htpasswd:\n    realm: berth-test\n    path: ").append(htpasswd).append('\n');
        }
        Path config = dir.resolve("config.yml");
        Files.writeString(config, cfg);
        Path log = dir.resolve("registry.log");
        Process p = new ProcessBuilder(BINARY.toString(), "serve", config.toString()).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        LocalRegistry r = new LocalRegistry(dir, port, p);
        String scheme = tls != null ? "https" : "http";
        for (int i = 0; i < 200; i++) {
            if (!p.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + Files.readString(log));
            }
            try {
                if (tls != null) {
                    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                        return r;
                    }
                }
                HttpURLConnection c = (HttpURLConnection) URI.create(scheme + "://127.0.0.1:" + port + "/v2/").toURL()
                    .openConnection();
                int code = c.getResponseCode();
                c.disconnect();
                if (code == 200 || code == 401) {
                    return r;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        r.close();
        throw new IllegalStateException("docker-registry did not answer on port " + port + ": " + Files.readString(log));
    }

    /** {@code 127.0.0.1:PORT}: the registry part of image names. */
    String host() {
        return "127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    /** Where the registry keeps a blob's bytes. */
    Path blobFile(Digest d) {
        return dir.resolve("storage/docker/registry/v2/blobs/sha256").resolve(d.hex().substring(0, 2)).resolve(d.hex())
            .resolve("data");
    }

    String log() throws IOException {
        return Files.readString(dir.resolve("registry.log"));
    }

    @Override
    public void close() throws Exception {
        Runtime.getRuntime().removeShutdownHook(onExit);
        long pid = process.pid();
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
