package dev.berth.engine;

import dev.berth.linux.NsKind;
import dev.berth.linux.Procs;
import dev.berth.runtime.ContainerConfig;
import dev.berth.runtime.NamespaceMode;
import dev.berth.runtime.Rootfs;
import dev.berth.runtime.Timestamps;
import dev.berth.runtime.WaitStatus;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The container document: what {@code state.json} holds and {@code inspect} prints, in the
 * shape and with the field names of {@code docker inspect}, so that templates written for
 * docker ({@code {{.State.Pid}}}, {@code {{.Config.Hostname}}}) work unchanged.
 */
final class Inspect {
    static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    private Inspect() {}

    static Map<String, Object> initial(String id, String name, ContainerRequest r, ContainerConfig c,
        List<String> env, Applied a) {
        Map<String, Object> s = head(id, a.argv());
        Map<String, Object> state = Json.map(s, "State");
        state.put("MonitorPid", 0);
        state.put("MonitorStartTime", 0);
        s.put("Image", c.rootfs() instanceof Rootfs.Directory d ? d.path().toString() : r.image);
        s.put("ResolvConfPath", c.stateDir().resolve("resolv.conf").toString());
        s.put("HostnamePath", c.stateDir().resolve("hostname").toString());
        s.put("HostsPath", c.stateDir().resolve("hosts").toString());
        s.put("LogPath", c.logFile().toString());
        s.put("Name", "/" + name);
        s.put("RestartCount", 0);
        s.put("Driver", c.rootfs() instanceof Rootfs.Host ? "host" : "rootfs");
        s.put("Platform", "linux");
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("AutoRemove", r.autoRemove);
        host.put("RestartPolicy", r.restart.toJson());
        host.put("Init", r.init);
        host.put("ReadonlyRootfs", r.readOnly);
        host.put("Privileged", r.privileged);
        host.put("CapAdd", new ArrayList<Object>(r.capAdd));
        host.put("CapDrop", new ArrayList<Object>(r.capDrop));
        host.put("SecurityOpt", new ArrayList<Object>(r.securityOpts));
        host.put("Binds", new ArrayList<Object>(r.volumes));
        host.put("Tmpfs", new ArrayList<Object>(r.tmpfs));
        host.put("Devices", new ArrayList<Object>(r.devices));
        host.put("Sysctls", new LinkedHashMap<String, Object>(r.sysctls));
        host.put("Ulimits", new ArrayList<Object>(r.ulimits));
        Limits l = r.limits;
        host.put("Memory", l.memory == null ? 0 : l.memory);
        host.put("MemorySwap", l.memorySwap == null ? (l.memory == null ? 0 : 2 * l.memory) : l.memorySwap);
        host.put("MemoryReservation", l.memoryReservation == null ? 0 : l.memoryReservation);
        host.put("NanoCpus", l.cpus == null ? 0 : Math.round(l.cpus * 1e9));
        host.put("CpuShares", l.cpuShares == null ? 0 : l.cpuShares);
        host.put("CpusetCpus", l.cpusetCpus == null ? "" : l.cpusetCpus);
        host.put("CpusetMems", l.cpusetMems == null ? "" : l.cpusetMems);
        host.put("PidsLimit", l.pidsLimit == null ? 0 : l.pidsLimit);
        host.put("CgroupParent", "");
        host.put("NetworkMode", mode(c, NsKind.NET, "none"));
        host.put("PidMode", mode(c, NsKind.PID, ""));
        host.put("IpcMode", mode(c, NsKind.IPC, "private"));
        host.put("UTSMode", mode(c, NsKind.UTS, ""));
        host.put("CgroupnsMode", mode(c, NsKind.CGROUP, "private"));
        host.put("UsernsMode", mode(c, NsKind.USER, ""));
        host.put("TimeMode", mode(c, NsKind.TIME, ""));
        if (c.uidMap() != null) {
            host.put("UidMap", c.uidMap().line().strip());
            host.put("GidMap", c.gidMap().line().strip());
        }
        s.put("HostConfig", host);
        s.put("Mounts", mounts(c.options().mounts()));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Hostname", c.hostname());
        config.put("Domainname", "");
        config.put("User", a.user() == null ? "" : a.user());
        config.put("AttachStdin", r.stdin);
        config.put("Tty", r.tty);
        config.put("OpenStdin", r.stdin);
        config.put("Env", new ArrayList<>(env));
        config.put("Cmd", new ArrayList<>(a.cmd()));
        // docker's: the reference as given; the top-level Image becomes the image id (image())
        config.put("Image", s.get("Image"));
        config.put("WorkingDir", a.workdir() == null ? "" : a.workdir());
        config.put("Entrypoint", a.entrypoint().isEmpty() ? null : new ArrayList<>(a.entrypoint()));
        config.put("Labels", new LinkedHashMap<String, Object>(a.labels()));
        if (a.stopSignal() != null) {
            config.put("StopSignal", a.stopSignal());
        }
        if (a.healthcheck() != null) {
            config.put("Healthcheck", a.healthcheck()); // run by the monitor: see Health
        }
        if (!a.shell().isEmpty()) {
            config.put("Shell", new ArrayList<Object>(a.shell()));
        }
        s.put("Config", config);
        return s;
    }

    /** docker's Mounts entries of binds and tmpfs (volumes: {@link VolumeMounts#entry}). */
    static List<Object> mounts(List<dev.berth.runtime.MountSpec> specs) {
        List<Object> mounts = new ArrayList<>();
        for (dev.berth.runtime.MountSpec m : specs) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("Type", m.isBind() ? "bind" : m.type());
            e.put("Source", m.isBind() ? m.source() : "");
            e.put("Destination", m.destination());
            e.put("Mode", (m.flags() & 1) != 0 ? "ro" : "");
            e.put("RW", (m.flags() & 1) == 0);
            e.put("Propagation", m.isBind() ? "rprivate" : "");
            mounts.add(e);
        }
        return mounts;
    }

    /**
     * A container of an image in the store: the top-level {@code Image} is the image id
     * ({@code sha256:} of its config, what {@code rmi} checks), {@code Config.Image} stays the
     * reference as given, and {@code GraphDriver} says where its files are.
     */
    static void image(Map<String, Object> s, String imageId, String driver, Map<String, Object> graphDriver) {
        s.put("Image", imageId);
        s.put("Driver", driver);
        s.put("GraphDriver", graphDriver);
    }

    /** The image a container was made from, as the user named it (ps's IMAGE column). */
    static String imageName(Map<String, Object> s) {
        Map<String, Object> config = Json.map(s, "Config");
        Object name = config == null ? null : config.get("Image");
        return name instanceof String n ? n : String.valueOf(s.get("Image"));
    }

    /** The signal stop sends first: Config.StopSignal (the flag's, else the image's), or SIGTERM. */
    static int stopSignal(Map<String, Object> s) {
        Map<String, Object> config = Json.map(s, "Config");
        Object sig = config == null ? null : config.get("StopSignal");
        if (sig instanceof String name && !name.isEmpty()) {
            try {
                return dev.berth.linux.Signals.parse(name);
            } catch (IllegalArgumentException e) {
                // checked at create; a hand-edited state falls back to docker's default
            }
        }
        return dev.berth.linux.Signals.SIGTERM;
    }

    /** What a container that has not run yet shows first: id, time, command and a created State. */
    private static Map<String, Object> head(String id, List<String> argv) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Id", id);
        s.put("Created", Engine.now());
        s.put("Path", argv.get(0));
        s.put("Args", new ArrayList<>(argv.subList(1, argv.size())));
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("Status", "created");
        state.put("Running", false);
        state.put("Paused", false);
        state.put("Restarting", false);
        state.put("OOMKilled", false);
        state.put("Dead", false);
        state.put("Pid", 0);
        state.put("ExitCode", 0);
        state.put("Error", "");
        state.put("StartedAt", ZERO_TIME);
        state.put("FinishedAt", ZERO_TIME);
        s.put("State", state);
        return s;
    }

    /**
     * A container made by {@link Engine#create} and not started yet: what ps and inspect show,
     * replaced by {@link #initial} at start.
     */
    static Map<String, Object> created(String id, String name, ContainerRequest r, Path dir, Applied a) {
        Map<String, Object> s = head(id, a.argv());
        s.put("Image", r.rootfs != null ? r.rootfs.toString() : r.image);
        s.put("LogPath", dir.resolve("container.log").toString());
        s.put("Name", "/" + name);
        s.put("RestartCount", 0);
        s.put("Driver", r.rootfs != null ? "rootfs" : "host");
        s.put("Platform", "linux");
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("AutoRemove", r.autoRemove);
        host.put("RestartPolicy", r.restart.toJson());
        host.put("Privileged", r.privileged);
        host.put("NetworkMode", r.network != null ? r.network
            : r.namespaces.get(NsKind.NET) != null ? r.namespaces.get(NsKind.NET) : "none");
        s.put("HostConfig", host);
        s.put("Mounts", new ArrayList<>());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Hostname", r.hostname != null ? r.hostname : id.substring(0, 12));
        config.put("User", a.user() == null ? "" : a.user());
        config.put("AttachStdin", r.stdin);
        config.put("Tty", r.tty);
        config.put("OpenStdin", r.stdin);
        config.put("Env", new ArrayList<Object>(r.envList()));
        config.put("Cmd", new ArrayList<>(a.cmd()));
        config.put("Image", s.get("Image"));
        config.put("WorkingDir", a.workdir() == null ? "" : a.workdir());
        config.put("Entrypoint", a.entrypoint().isEmpty() ? null : new ArrayList<>(a.entrypoint()));
        config.put("Labels", new LinkedHashMap<String, Object>(a.labels()));
        if (a.stopSignal() != null) {
            config.put("StopSignal", a.stopSignal());
        }
        if (a.healthcheck() != null) {
            config.put("Healthcheck", a.healthcheck());
        }
        s.put("Config", config);
        return s;
    }

    private static String mode(ContainerConfig c, NsKind k, String privateName) {
        // instanceof, not a pattern switch: its bootstrap spins a class at run time (~1 ms cold)
        NamespaceMode m = c.namespace(k);
        if (m instanceof NamespaceMode.Join j) {
            return j.path().toString();
        }
        return m instanceof NamespaceMode.Private ? privateName : "host";
    }

    static Map<String, Object> state(Map<String, Object> s) {
        return Json.map(s, "State");
    }

    static void running(Map<String, Object> s, long pid, long monitorPid, long monitorStart) {
        Map<String, Object> st = state(s);
        st.put("Status", "running");
        st.put("Running", true);
        st.put("Pid", pid);
        st.put("MonitorPid", monitorPid);
        st.put("MonitorStartTime", monitorStart);
        st.put("StartedAt", Engine.now());
    }

    static void exited(Map<String, Object> s, int code, String error) {
        Map<String, Object> st = state(s);
        st.put("Status", "exited");
        st.put("Running", false);
        st.put("Paused", false);
        st.put("Pid", 0);
        st.put("ExitCode", code);
        st.put("Error", error == null ? "" : error);
        st.put("FinishedAt", Engine.now());
    }

    /**
     * Folds in what happened since the state was written: the monitor's exit file, or its
     * death, and the healthcheck's results ({@link Health#fold}).
     */
    static Map<String, Object> refresh(Map<String, Object> s, Path dir) throws IOException {
        return Health.fold(refreshStatus(s, dir), dir);
    }

    private static Map<String, Object> refreshStatus(Map<String, Object> s, Path dir) throws IOException {
        Map<String, Object> st = state(s);
        if (!isRunning(s)) {
            return s;
        }
        Path exitFile = dir.resolve("exit");
        if (readExit(s, exitFile)) {
            return s;
        }
        long monitor = num(st.get("MonitorPid"));
        if (!Procs.alive(monitor, num(st.get("MonitorStartTime")))) {
            // the monitor writes its exit file before it exits: one that ended after the first
            // look left it by now (without this second look, a container that ended between
            // the two read as dead, exit status unknown)
            if (readExit(s, exitFile)) {
                return s;
            }
            if (stillRuns(s)) {
                return s; // the monitor was killed, the container was not: it runs without one
            }
            exited(s, 255, "the container's monitor process died; the exit status is unknown");
            st.put("Dead", true);
            st.put("Status", "dead");
        }
        return s;
    }

    /** Folds in the monitor's exit file when it is there; false when it is not (or went with its container). */
    private static boolean readExit(Map<String, Object> s, Path exitFile) throws IOException {
        // Files.exists first: an exception per running container would cost a cold `ps` dearly
        if (!Files.exists(exitFile)) {
            return false;
        }
        try {
            String[] exit = Files.readString(exitFile).strip().split(" ");
            int status = Integer.parseInt(exit[0]);
            exited(s, WaitStatus.exitCode(status), "");
            Map<String, Object> st = state(s);
            st.put("FinishedAt", Timestamps.format(Long.parseLong(exit[1])));
            st.put("OOMKilled", oomKilled(s));
            return true;
        } catch (NoSuchFileException e) {
            return false; // removed with its container meanwhile: judged by the monitor
        } catch (RuntimeException e) {
            throw new IOException("malformed exit file in " + exitFile.getParent(), e);
        }
    }

    private static volatile dev.berth.runtime.cgroup.Cgroups cgroups;

    /**
     * Whether a container whose monitor died still has processes: its cgroup is the witness
     * (its first pid alone could have been reused). Without a cgroup (rootless) it is taken as
     * exited, as before.
     */
    private static boolean stillRuns(Map<String, Object> s) {
        try {
            dev.berth.runtime.cgroup.Cgroups c = cgroups;
            if (c == null) {
                cgroups = c = dev.berth.runtime.cgroup.Cgroups.detect();
            }
            return !c.open(Engine.cgroupPath(s)).pids().isEmpty();
        } catch (dev.berth.runtime.cgroup.CgroupException | RuntimeException e) {
            return false;
        }
    }

    /**
     * docker's State.OOMKilled: the kernel's OOM killer killed a process of the last run. Read
     * from the cgroup's own counter when the exit is found, not from an event that a monitor
     * would have to be watching for: the cgroup stays until rm or the next start, so the count
     * is there however long after the exit the state is read, and whoever reads it.
     */
    static boolean oomKilled(Map<String, Object> s) {
        try {
            dev.berth.runtime.cgroup.Cgroups c = cgroups;
            if (c == null) {
                cgroups = c = dev.berth.runtime.cgroup.Cgroups.detect();
            }
            Long kills = c.open(Engine.cgroupPath(s)).oomKills();
            return kills != null && kills > 0;
        } catch (dev.berth.runtime.cgroup.CgroupException | RuntimeException e) {
            return false; // no cgroup (rootless without delegation): nothing counted
        }
    }

    /** Running or paused: a paused container's processes are still there (docker's State.Running). */
    static boolean isRunning(Map<String, Object> s) {
        Object status = state(s).get("Status");
        return "running".equals(status) || "paused".equals(status);
    }

    static boolean isPaused(Map<String, Object> s) {
        return "paused".equals(state(s).get("Status"));
    }

    /** docker's shape of a paused container: Status "paused", Running and Paused both true. */
    static void paused(Map<String, Object> s, boolean paused) {
        Map<String, Object> st = state(s);
        st.put("Status", paused ? "paused" : "running");
        st.put("Paused", paused);
    }

    static boolean autoRemove(Map<String, Object> s) {
        Map<String, Object> host = Json.map(s, "HostConfig");
        return host != null && Boolean.TRUE.equals(host.get("AutoRemove"));
    }

    static long pid(Map<String, Object> s) {
        return num(state(s).get("Pid"));
    }

    static int exitCode(Map<String, Object> s) {
        return (int) num(state(s).get("ExitCode"));
    }

    static String name(Map<String, Object> s) {
        String n = String.valueOf(s.get("Name"));
        return n.startsWith("/") ? n.substring(1) : n;
    }

    static long num(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }
}
