package dev.berth.image.registry;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import dev.berth.runtime.state.AtomicFiles;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * docker's credentials file, {@code $DOCKER_CONFIG/config.json} (default
 * {@code ~/.docker/config.json}), so that one {@code login} serves docker, podman and berth:
 * {@code {"auths": {"localhost:5000": {"auth": base64(user:pass)}}}}, Docker Hub under the key
 * {@code https://index.docker.io/v1/}. {@code credHelpers} (per registry) and {@code credsStore}
 * (for all) name {@code docker-credential-NAME} programs, called with docker's protocol
 * ({@code get}, {@code store}, {@code erase} on stdin/stdout). The file is replaced atomically
 * with mode 0600; every key berth does not know is kept as it was.
 */
public final class DockerConfig {
    /** Docker Hub's key in {@code auths}, kept from the v1 registry API for compatibility. */
    public static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";
    private final Path file;

    public DockerConfig(Path file) {
        this.file = file;
    }

    /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}. */
    public static DockerConfig fromEnv() {
        String dir = System.getenv("DOCKER_CONFIG");
        Path d = dir != null && !dir.isEmpty() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".docker");
        return new DockerConfig(d.resolve("config.json"));
    }

    public Path file() {
        return file;
    }

    /**
     * The registry a {@code login}/{@code logout} argument names, as docker reads it:
     * {@code https://host:port/anything} is {@code host:port}; Docker Hub's names are docker.io.
     */
    public static String registryOf(String server) {
        String s = server.strip();
        if (s.startsWith("https://")) {
            s = s.substring(8);
        } else if (s.startsWith("http://")) {
            s = s.substring(7);
        }
        int slash = s.indexOf('/');
        if (slash >= 0) {
            s = s.substring(0, slash);
        }
        if (s.equals("index.docker.io") || s.equals("registry-1.docker.io") || s.equals("docker.io")) {
            return "docker.io";
        }
        return s;
    }

    /** The key of {@code registry} in {@code auths}. */
    public static String key(String registry) {
        return registry.equals("docker.io") ? DOCKER_HUB_KEY : registry;
    }

    /** The saved credentials for {@code registry} (e.g. {@code localhost:5000}), or null. */
    public Credentials get(String registry) throws IOException {
        Map<String, Object> config = read();
        String helper = helper(config, registry);
        if (helper != null) {
            return helperGet(helper, key(registry));
        }
        Map<String, Object> auths = Json.map(config, "auths");
        if (auths == null) {
            return null;
        }
        Object entry = auths.get(key(registry));
        if (entry == null) {
            // docker also accepts keys written as URLs: https://host/v2/
            for (Map.Entry<String, Object> e : auths.entrySet()) {
                if (registryOf(e.getKey()).equals(registry)) {
                    entry = e.getValue();
                    break;
                }
            }
        }
        if (!(entry instanceof Map<?, ?> m)) {
            return null;
        }
        if (m.get("identitytoken") instanceof String t && !t.isEmpty()) {
            throw new RegistryException.Unauthorized("the login for " + registry + " in " + file
                + " is an identity token, which berth does not use; run 'berth login " + registry + "' with a password");
        }
        if (m.get("auth") instanceof String auth && !auth.isEmpty()) {
            return decode(auth, registry);
        }
        if (m.get("username") instanceof String u && m.get("password") instanceof String p) {
            return new Credentials(u, p);
        }
        return null;
    }

    private Credentials decode(String auth, String registry) throws IOException {
        String plain;
        try {
            plain = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new RegistryException.Unauthorized("the login for " + registry + " in " + file
                + " is not valid base64; run 'berth login " + registry + "' again");
        }
        int colon = plain.indexOf(':');
        if (colon < 0) {
            throw new RegistryException.Unauthorized("the login for " + registry + " in " + file
                + " is not user:password; run 'berth login " + registry + "' again");
        }
        return new Credentials(plain.substring(0, colon), plain.substring(colon + 1));
    }

    /** Saves credentials (in a helper when config.json names one for this registry). */
    public void save(String registry, Credentials c) throws IOException {
        Map<String, Object> config = read();
        String helper = helper(config, registry);
        Map<String, Object> auths = Json.map(config, "auths");
        if (auths == null) {
            auths = new LinkedHashMap<>();
            config.put("auths", auths);
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        if (helper != null) {
            Map<String, Object> req = new LinkedHashMap<>();
            req.put("ServerURL", key(registry));
            req.put("Username", c.username());
            req.put("Secret", c.password());
            callHelper(helper, "store", Json.compact(req));
            // docker records the login with an empty entry; the secret is in the helper
        } else {
            entry.put("auth", c.encode());
        }
        auths.put(key(registry), entry);
        write(config);
    }

    /** Removes the credentials for {@code registry}; false when there were none. */
    public boolean remove(String registry) throws IOException {
        Map<String, Object> config = read();
        String helper = helper(config, registry);
        boolean removed = false;
        if (helper != null) {
            removed = helperGet(helper, key(registry)) != null;
            if (removed) {
                callHelper(helper, "erase", key(registry));
            }
        }
        Map<String, Object> auths = Json.map(config, "auths");
        if (auths != null) {
            removed |= auths.remove(key(registry)) != null;
            removed |= auths.keySet().removeIf(k -> registryOf(k).equals(registry));
        }
        if (removed) {
            write(config);
        }
        return removed;
    }

    private Map<String, Object> read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new LinkedHashMap<>();
        }
        if (bytes.length == 0) {
            return new LinkedHashMap<>();
        }
        try {
            return Json.parseObject(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new IOException(file + " is not valid JSON (" + e.getMessage() + "); fix or remove it");
        }
    }

    /** Replaces the file atomically; it is 0600 from its creation, never readable by others. */
    private void write(Map<String, Object> config) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp" + ProcessHandle.current().pid());
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
                out.write((Json.pretty(config) + "\n").getBytes(StandardCharsets.UTF_8));
                out.getFD().sync();
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        AtomicFiles.syncDirectory(dir);
    }

    private static String helper(Map<String, Object> config, String registry) {
        Map<String, Object> helpers = Json.map(config, "credHelpers");
        if (helpers != null) {
            Object h = helpers.get(registry);
            if (h == null) {
                h = helpers.get(key(registry));
            }
            if (h instanceof String s && !s.isEmpty()) {
                return s;
            }
        }
        return config.get("credsStore") instanceof String s && !s.isEmpty() ? s : null;
    }

    private Credentials helperGet(String helper, String serverUrl) throws IOException {
        String out = callHelper(helper, "get", serverUrl);
        if (out == null) {
            return null;
        }
        try {
            Map<String, Object> m = Json.parseObject(out);
            String user = m.get("Username") instanceof String u ? u : "";
            String secret = m.get("Secret") instanceof String s ? s : "";
            if (user.equals("<token>")) {
                throw new RegistryException.Unauthorized("docker-credential-" + helper + " holds an identity token for "
                    + serverUrl + ", which berth does not use; log in with a password");
            }
            return secret.isEmpty() ? null : new Credentials(user, secret);
        } catch (JsonException e) {
            throw new IOException("docker-credential-" + helper + " get answered no JSON (" + e.getMessage() + ")");
        }
    }

    /** Runs {@code docker-credential-HELPER ACTION} with {@code input}; null for "not found". */
    private String callHelper(String helper, String action, String input) throws IOException {
        String program = "docker-credential-" + helper;
        Process p;
        try {
            p = new ProcessBuilder(program, action).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(file + " names the credential helper \"" + helper + "\" (credsStore or credHelpers) but "
                + program + " is not on PATH; install it or remove it from " + file);
        }
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(program + " " + action + " did not answer in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + program, e);
        }
        if (p.exitValue() != 0) {
            if (action.equals("get") && out.toLowerCase(java.util.Locale.ROOT).contains("credentials not found")) {
                return null;
            }
            throw new IOException(program + " " + action + " failed: " + out);
        }
        return out;
    }
}
