package dev.berth.api;

import dev.berth.api.http.Exchange;
import dev.berth.api.http.HttpException;
import dev.berth.api.http.HttpServer;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.runtime.Trace;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Docker Engine API's router: version-prefixed ({@code /v1.41} to {@code /v1.51}) and bare
 * paths, docker's error shape and status codes, and the system endpoints.
 */
public final class DockerApi implements HttpServer.Handler {
    public static final int MIN_MINOR = 41;
    public static final int MAX_MINOR = 51;
    public static final String API_VERSION = "1." + MAX_MINOR;
    public static final String MIN_API_VERSION = "1." + MIN_MINOR;
    /**
     * The Docker Engine release whose API (1.51) this one is, reported as the server's Version:
     * clients compare it (Testcontainers refuses a server "older than 1.6.0"), as podman's
     * compatible API is compared by its own 5.x. berth's own version is the Platform's name and
     * a component of its own.
     */
    static final String ENGINE_VERSION = "28.3.0";

    /**
     * BERTH_DEBUG: every request on stderr when it arrives and when its handler returns, with the
     * handler's duration; times are CLOCK_MONOTONIC microseconds, as {@link Trace}'s marks (with
     * BERTH_TRACE too, the engine's marks of the request follow it), so that they line up with
     * each other and with the client's clock ({@code bench/daemon.sh} profiles with them).
     */
    static final boolean TRACE = System.getenv("BERTH_DEBUG") != null;

    private final Engine engine;
    private final String version;
    private final Live live = new Live();
    private final Containers containers;
    private final Execs execs;
    private final Routes routes = new Routes();

    public DockerApi(Engine engine, String version) {
        this.engine = engine;
        this.version = version;
        this.containers = new Containers(engine, live);
        this.execs = new Execs(engine);
        routes.get("/_ping", (x, p) -> ping(x));
        routes.get("/version", (x, p) -> x.json(200, versionInfo()));
        routes.get("/info", (x, p) -> x.json(200, info()));
        containers.routes(routes);
        routes.delete("/containers/{id}", (x, p) -> {
            containers.remove(x, p.get("id"));
            execs.forget(p.get("id"));
        });
        execs.routes(routes);
        new Images(engine).routes(routes);
        new VolumeEndpoints(engine).routes(routes);
        new NetworkEndpoints(engine).routes(routes);
        new ContainerOps(engine, live).routes(routes);
        new EventsApi(engine, live).routes(routes);
        new Archives(engine).routes(routes);
        new RegistryEndpoints(engine).routes(routes);
    }

    /** Headers every response carries, as dockerd's do. */
    public Map<String, String> headers() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Api-Version", API_VERSION);
        h.put("Docker-Experimental", "false");
        h.put("Ostype", "linux");
        h.put("Server", "berth/" + version + " (linux)");
        return h;
    }

    @Override
    public void handle(Exchange x) throws Exception {
        if (!TRACE) {
            route(x);
            return;
        }
        long start = System.nanoTime();
        String line = x.request().method() + " " + x.request().path();
        System.err.println("berth daemon: " + start / 1000 + " > " + line + upgrade(x));
        try {
            route(x);
        } finally {
            long end = System.nanoTime();
            System.err.println("berth daemon: " + end / 1000 + " < " + line + " " + ms(end - start) + " ms");
            Trace.dump();
        }
    }

    private static String ms(long nanos) {
        long tenths = nanos / 100_000;
        return tenths / 10 + "." + tenths % 10;
    }

    private static String upgrade(Exchange x) {
        String u = x.request().header("upgrade");
        return u == null ? "" : " (upgrade " + u + ")";
    }

    private void route(Exchange x) throws Exception {
        String path = x.request().path();
        if (path.startsWith("/v") && path.length() > 2 && Character.isDigit(path.charAt(2))) {
            int slash = path.indexOf('/', 1);
            String v = slash < 0 ? path.substring(2) : path.substring(2, slash);
            int minor = minor(v);
            if (minor < 0 || slash < 0) {
                notFound(x);
                return;
            }
            if (minor < MIN_MINOR) {
                throw new HttpException(400, "client version " + v + " is too old. Minimum supported API version is "
                    + MIN_API_VERSION + ", please upgrade your client to a newer version");
            }
            if (minor > MAX_MINOR) {
                throw new HttpException(400, "client version " + v + " is too new. Maximum supported API version is "
                    + API_VERSION);
            }
            path = path.substring(slash);
        }
        try {
            if (!routes.dispatch(x, x.request().method(), path)) {
                notFound(x);
            }
        } catch (EngineException e) {
            if (x.responded()) {
                throw new IOException(e.getMessage(), e);
            }
            x.error(status(e), e.getMessage());
        }
    }

    /** {@code 1.50} as 50; -1 unless it is 1.N. */
    private static int minor(String v) {
        if (!v.startsWith("1.")) {
            return -1;
        }
        try {
            return Integer.parseInt(v.substring(2));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static int status(EngineException e) {
        if (e instanceof EngineException.NotFound) {
            return 404;
        } else if (e instanceof EngineException.Conflict || e instanceof EngineException.InvalidState) {
            return 409;
        } else if (e instanceof EngineException.InvalidArgument || e instanceof EngineException.CommandFailed) {
            return 400;
        } else if (e instanceof EngineException.PermissionDenied) {
            return 403;
        }
        return 500;
    }

    private static void notFound(Exchange x) throws IOException {
        x.error(404, "page not found");
    }

    private void ping(Exchange x) throws IOException {
        x.header("Cache-Control", "no-cache, no-store, must-revalidate");
        x.header("Pragma", "no-cache");
        x.header("Swarm", "inactive");
        x.respond(200, "text/plain; charset=utf-8", "OK".getBytes(StandardCharsets.UTF_8));
    }

    private static String kernel() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return a.equals("amd64") || a.equals("x86_64") ? "amd64" : a.equals("aarch64") ? "arm64" : a;
    }

    private Map<String, Object> versionInfo() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("ApiVersion", API_VERSION);
        details.put("MinAPIVersion", MIN_API_VERSION);
        details.put("Os", "linux");
        details.put("Arch", arch());
        details.put("KernelVersion", kernel());
        details.put("Experimental", "false");
        details.put("GitCommit", "");
        details.put("GoVersion", "java " + System.getProperty("java.version"));
        details.put("BuildTime", "");
        Map<String, Object> engineComponent = new LinkedHashMap<>();
        engineComponent.put("Name", "Engine");
        engineComponent.put("Version", ENGINE_VERSION);
        engineComponent.put("Details", details);
        Map<String, Object> berthComponent = new LinkedHashMap<>();
        berthComponent.put("Name", "berth");
        berthComponent.put("Version", version);
        berthComponent.put("Details", Map.of());
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("Platform", Map.of("Name", "berth " + version));
        v.put("Components", List.of(engineComponent, berthComponent));
        v.put("Version", ENGINE_VERSION);
        v.put("ApiVersion", API_VERSION);
        v.put("MinAPIVersion", MIN_API_VERSION);
        v.put("GitCommit", "");
        v.put("GoVersion", "java " + System.getProperty("java.version"));
        v.put("Os", "linux");
        v.put("Arch", arch());
        v.put("KernelVersion", kernel());
        v.put("BuildTime", "");
        return v;
    }

    private Map<String, Object> info() throws EngineException {
        int running = 0;
        int paused = 0;
        int stopped = 0;
        List<Map<String, Object>> all = engine.list(true);
        for (Map<String, Object> s : all) {
            Object status = Json.map(s, "State").get("Status");
            if ("running".equals(status)) {
                running++;
            } else if ("paused".equals(status)) {
                paused++;
            } else {
                stopped++;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", "");
        m.put("Containers", all.size());
        m.put("ContainersRunning", running);
        m.put("ContainersPaused", paused);
        m.put("ContainersStopped", stopped);
        m.put("Images", Images.count(engine));
        m.put("Driver", "berth");
        m.put("DriverStatus", List.of());
        m.put("MemoryLimit", true);
        m.put("SwapLimit", true);
        m.put("CpuCfsPeriod", true);
        m.put("CpuCfsQuota", true);
        m.put("PidsLimit", true);
        m.put("IPv4Forwarding", true);
        m.put("KernelVersion", kernel());
        m.put("OperatingSystem", "berth " + version);
        m.put("OSType", "linux");
        m.put("Architecture", System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch"));
        m.put("NCPU", Runtime.getRuntime().availableProcessors());
        m.put("MemTotal", memTotal());
        m.put("DockerRootDir", engine.root().toString());
        m.put("Name", hostname());
        m.put("ServerVersion", ENGINE_VERSION);
        m.put("CgroupDriver", "cgroupfs");
        m.put("CgroupVersion", Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "2" : "1");
        m.put("DefaultRuntime", "berth");
        m.put("Runtimes", Map.of("berth", Map.of("path", "berth-stage")));
        m.put("LiveRestoreEnabled", true);
        m.put("SecurityOptions", List.of("name=seccomp,profile=builtin", "name=cgroupns"));
        m.put("Labels", List.of());
        m.put("ExperimentalBuild", false);
        m.put("Warnings", List.of());
        return m;
    }

    private static long memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown
        }
        return 0;
    }

    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
