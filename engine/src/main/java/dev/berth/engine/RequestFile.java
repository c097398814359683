package dev.berth.engine;

import dev.berth.linux.NsKind;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ROOT/containers/ID/request.json}: the request a container was created from, so that
 * {@link Engine#start} can start it (again) in any process, as docker keeps a container's config.
 * Written by {@link Engine#create}, and by {@code run} for containers that outlive their run
 * (not {@code --rm}), so that {@code restart} and {@code start} work on them too.
 */
final class RequestFile {
    static final String NAME = "request.json";

    private RequestFile() {}

    static void write(Path dir, ContainerRequest r) throws IOException {
        write(dir, r, true);
    }

    /**
     * {@code durable} false for {@code run}: the state's fsync right after commits it too on
     * ext4 (ordered data); elsewhere a crash may lose it, and the container then cannot be
     * started again (start says so), which costs a run no second fsync.
     */
    static void write(Path dir, ContainerRequest r, boolean durable) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("image", r.image);
        m.put("rootfs", r.rootfs == null ? null : r.rootfs.toString());
        m.put("command", new ArrayList<Object>(r.command));
        m.put("entrypoint", r.entrypoint == null ? null : new ArrayList<Object>(r.entrypoint));
        m.put("env", new LinkedHashMap<String, Object>(r.env));
        m.put("workdir", r.workdir);
        m.put("user", r.user);
        m.put("hostname", r.hostname);
        m.put("name", r.name);
        m.put("tty", r.tty);
        m.put("stdin", r.stdin);
        m.put("autoRemove", r.autoRemove);
        m.put("restart", r.restart.toJson());
        m.put("init", r.init);
        m.put("readOnly", r.readOnly);
        m.put("rows", r.rows);
        m.put("cols", r.cols);
        m.put("timeOffsets", r.timeOffsets);
        Map<String, Object> ns = new LinkedHashMap<>();
        r.namespaces.forEach((k, v) -> ns.put(k.name(), v));
        m.put("namespaces", ns);
        m.put("privileged", r.privileged);
        m.put("capAdd", new ArrayList<Object>(r.capAdd));
        m.put("capDrop", new ArrayList<Object>(r.capDrop));
        m.put("securityOpts", new ArrayList<Object>(r.securityOpts));
        m.put("ulimits", new ArrayList<Object>(r.ulimits));
        m.put("sysctls", new LinkedHashMap<String, Object>(r.sysctls));
        m.put("volumes", new ArrayList<Object>(r.volumes));
        m.put("mounts", new ArrayList<Object>(r.mounts));
        m.put("tmpfs", new ArrayList<Object>(r.tmpfs));
        m.put("devices", new ArrayList<Object>(r.devices));
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("memory", r.limits.memory);
        l.put("memorySwap", r.limits.memorySwap);
        l.put("memoryReservation", r.limits.memoryReservation);
        l.put("cpus", r.limits.cpus);
        l.put("cpuShares", r.limits.cpuShares);
        l.put("cpusetCpus", r.limits.cpusetCpus);
        l.put("cpusetMems", r.limits.cpusetMems);
        l.put("pidsLimit", r.limits.pidsLimit);
        m.put("limits", l);
        m.put("network", r.network);
        m.put("ip", r.ip);
        m.put("ip6", r.ip6);
        m.put("networkAliases", new ArrayList<Object>(r.networkAliases));
        m.put("publish", new ArrayList<Object>(r.publish));
        m.put("expose", new ArrayList<Object>(r.expose));
        m.put("publishAll", r.publishAll);
        m.put("dns", new ArrayList<Object>(r.dns));
        m.put("dnsSearch", new ArrayList<Object>(r.dnsSearch));
        m.put("dnsOptions", new ArrayList<Object>(r.dnsOptions));
        m.put("extraHosts", new ArrayList<Object>(r.extraHosts));
        m.put("labels", new LinkedHashMap<String, Object>(r.labels));
        m.put("stopSignal", r.stopSignal);
        m.put("healthcheck", r.healthcheck == null ? null : r.healthcheck.toJson());
        AtomicFiles.write(dir.resolve(NAME), Json.compact(m).getBytes(StandardCharsets.UTF_8), durable);
    }

    /** The saved request's name, after a rename; nothing when the container has no request. */
    static void rename(Path dir, String name) throws IOException {
        ContainerRequest r = read(dir);
        if (r != null) {
            r.name = name;
            write(dir, r);
        }
    }

    /** The saved request's limits, after an update: the next start applies them. */
    static void limits(Path dir, Limits given) throws IOException {
        ContainerRequest r = read(dir);
        if (r != null) {
            Limits l = r.limits;
            l.memory = given.memory != null ? given.memory : l.memory;
            l.memorySwap = given.memorySwap != null ? given.memorySwap : l.memorySwap;
            l.memoryReservation = given.memoryReservation != null ? given.memoryReservation : l.memoryReservation;
            l.cpus = given.cpus != null ? given.cpus : l.cpus;
            l.cpuShares = given.cpuShares != null ? given.cpuShares : l.cpuShares;
            l.cpusetCpus = given.cpusetCpus != null ? given.cpusetCpus : l.cpusetCpus;
            l.cpusetMems = given.cpusetMems != null ? given.cpusetMems : l.cpusetMems;
            l.pidsLimit = given.pidsLimit != null ? given.pidsLimit : l.pidsLimit;
            write(dir, r);
        }
    }

    /** The saved request, or null when the container has none. */
    static ContainerRequest read(Path dir) throws IOException {
        Map<String, Object> m;
        try {
            m = Json.parseObject(Files.readString(dir.resolve(NAME)));
        } catch (NoSuchFileException e) {
            return null;
        } catch (JsonException e) {
            throw new IOException("malformed " + dir.resolve(NAME) + ": " + e.getMessage(), e);
        }
        String rootfs = str(m, "rootfs");
        ContainerRequest r = rootfs != null ? ContainerRequest.rootfs(Path.of(rootfs))
            : ContainerRequest.image(str(m, "image"));
        r.command = strings(m, "command");
        r.entrypoint = m.get("entrypoint") instanceof List ? strings(m, "entrypoint") : null;
        strMap(m, "env").forEach(r.env::put);
        r.workdir = str(m, "workdir");
        r.user = str(m, "user");
        r.hostname = str(m, "hostname");
        r.name = str(m, "name");
        r.tty = bool(m, "tty");
        r.stdin = bool(m, "stdin");
        r.autoRemove = bool(m, "autoRemove");
        r.restart = RestartPolicy.fromJson(Json.map(m, "restart"));
        r.init = bool(m, "init");
        r.readOnly = bool(m, "readOnly");
        r.rows = (int) num(m.get("rows"), 24);
        r.cols = (int) num(m.get("cols"), 80);
        r.timeOffsets = str(m, "timeOffsets");
        strMap(m, "namespaces").forEach((k, v) -> r.namespaces.put(NsKind.valueOf(k), v));
        r.privileged = bool(m, "privileged");
        r.capAdd.addAll(strings(m, "capAdd"));
        r.capDrop.addAll(strings(m, "capDrop"));
        r.securityOpts.addAll(strings(m, "securityOpts"));
        r.ulimits.addAll(strings(m, "ulimits"));
        strMap(m, "sysctls").forEach(r.sysctls::put);
        r.volumes.addAll(strings(m, "volumes"));
        r.mounts.addAll(strings(m, "mounts"));
        r.tmpfs.addAll(strings(m, "tmpfs"));
        r.devices.addAll(strings(m, "devices"));
        Map<String, Object> l = Json.map(m, "limits");
        if (l != null) {
            r.limits.memory = longOrNull(l.get("memory"));
            r.limits.memorySwap = longOrNull(l.get("memorySwap"));
            r.limits.memoryReservation = longOrNull(l.get("memoryReservation"));
            r.limits.cpus = l.get("cpus") instanceof Number n ? n.doubleValue() : null;
            r.limits.cpuShares = longOrNull(l.get("cpuShares"));
            r.limits.cpusetCpus = str(l, "cpusetCpus");
            r.limits.cpusetMems = str(l, "cpusetMems");
            r.limits.pidsLimit = longOrNull(l.get("pidsLimit"));
        }
        r.network = str(m, "network");
        r.ip = str(m, "ip");
        r.ip6 = str(m, "ip6");
        r.networkAliases.addAll(strings(m, "networkAliases"));
        r.publish.addAll(strings(m, "publish"));
        r.expose.addAll(strings(m, "expose"));
        r.publishAll = bool(m, "publishAll");
        r.dns.addAll(strings(m, "dns"));
        r.dnsSearch.addAll(strings(m, "dnsSearch"));
        r.dnsOptions.addAll(strings(m, "dnsOptions"));
        r.extraHosts.addAll(strings(m, "extraHosts"));
        strMap(m, "labels").forEach(r.labels::put);
        r.stopSignal = str(m, "stopSignal");
        r.healthcheck = HealthConfig.fromJson(m.get("healthcheck"));
        return r;
    }

    private static String str(Map<String, Object> m, String k) {
        return m.get(k) instanceof String s ? s : null;
    }

    private static boolean bool(Map<String, Object> m, String k) {
        return Boolean.TRUE.equals(m.get(k));
    }

    private static long num(Object o, long dflt) {
        return o instanceof Number n ? n.longValue() : dflt;
    }

    private static Long longOrNull(Object o) {
        return o instanceof Number n ? n.longValue() : null;
    }

    private static List<String> strings(Map<String, Object> m, String k) {
        List<String> out = new ArrayList<>();
        if (m.get(k) instanceof List<?> l) {
            for (Object o : l) {
                out.add(String.valueOf(o));
            }
        }
        return out;
    }

    private static Map<String, String> strMap(Map<String, Object> m, String k) {
        Map<String, String> out = new LinkedHashMap<>();
        if (m.get(k) instanceof Map<?, ?> mm) {
            mm.forEach((a, b) -> out.put(String.valueOf(a), String.valueOf(b)));
        }
        return out;
    }
}
