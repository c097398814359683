package dev.berth.engine;

import dev.berth.linux.Namespaces;
import dev.berth.linux.NsKind;
import dev.berth.runtime.stage.NsScanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every namespace on the machine, as {@code lsns} shows them and more: those kept alive by a
 * bind mount or an open file descriptor with no process in them, the owning user namespace and
 * parent from {@code ioctl_ns}, and the berth container a namespace belongs to.
 */
public final class NamespaceView {
    /**
     * One namespace. {@code pid}, {@code uid} and {@code command} are those of its lowest
     * process (0, -1 and "" when no process is in it); {@code owner} is the owning user
     * namespace and {@code parent} the parent user or PID namespace (0: none, or not visible);
     * {@code ownerUid} is the uid that created it, for user namespaces (-1 otherwise);
     * {@code holders} are the bind mounts and file descriptors that also keep it alive.
     */
    public record Namespace(NsKind kind, long inode, int nprocs, long pid, int uid, String user,
        String command, long owner, int ownerUid, long parent, List<String> holders, String container) {}

    /**
     * The inodes of the initial ipc, uts, user, pid, cgroup and time namespaces, fixed by the
     * kernel ({@code PROC_*_INIT_INO} in {@code include/linux/proc_ns.h}).
     */
    private static final long FIRST_INITIAL = 0xEFFFFFFAL;
    private static final long LAST_INITIAL = 0xEFFFFFFFL;

    private final Map<Long, Namespace> byInode;
    private final Map<Long, Map<NsKind, Long>> byPid;
    private final java.util.Set<Long> initial;

    private NamespaceView(Map<Long, Namespace> byInode, Map<Long, Map<NsKind, Long>> byPid, java.util.Set<Long> initial) {
        this.byInode = byInode;
        this.byPid = byPid;
        this.initial = initial;
    }

    /** Scans the machine; with {@code fds}, also every open file descriptor (slower). */
    public static NamespaceView scan(Engine engine, boolean fds) throws EngineException {
        List<String> mounts = new ArrayList<>(Namespaces.nsfsMounts().keySet());
        NsScanner.Result r;
        try {
            r = NsScanner.scan(true, fds, true, mounts);
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot scan the namespaces: " + e.getMessage(), e);
        }
        Map<Long, List<NsScanner.Proc>> members = new LinkedHashMap<>();
        Map<Long, Map<NsKind, Long>> byPid = new HashMap<>();
        java.util.Set<Long> initial = new java.util.HashSet<>();
        for (NsScanner.Proc p : r.procs()) {
            byPid.put((long) p.pid(), p.inodes());
            if (p.ppid() == 0 && p.comm().equals("kthreadd")) {
                initial.addAll(p.inodes().values()); // the kernel's threads stay where the kernel began
            }
            for (Map.Entry<NsKind, Long> e : p.inodes().entrySet()) {
                members.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(p);
            }
        }
        Map<Long, List<String>> holders = new HashMap<>();
        for (NsScanner.PathInfo p : r.paths()) {
            if (p.errno() == 0) {
                holders.computeIfAbsent(p.inode(), k -> new ArrayList<>()).add("mount " + p.path());
            }
        }
        for (NsScanner.Held h : r.held()) {
            holders.computeIfAbsent(h.inode(), k -> new ArrayList<>()).add("fd " + h.pid() + ":" + h.fd());
        }
        Map<Long, String> containers = containers(engine, r.procs(), byPid);
        Map<Integer, String> users = Users.names(Path.of("/etc"));
        Map<Long, Namespace> out = new LinkedHashMap<>();
        for (NsScanner.Info info : r.namespaces().values()) {
            if (info.kind() == null) {
                continue;
            }
            List<NsScanner.Proc> procs = members.getOrDefault(info.inode(), List.of());
            NsScanner.Proc lowest = null;
            for (NsScanner.Proc p : procs) {
                if (lowest == null || p.pid() < lowest.pid()) {
                    lowest = p;
                }
            }
            List<String> held = holders.getOrDefault(info.inode(), List.of());
            if (lowest == null && held.isEmpty() && info.kind() != NsKind.USER && info.kind() != NsKind.PID) {
                continue; // met only as somebody's owner or parent: not a user or PID namespace
            }
            NsScanner.Proc low = lowest;
            String command = low == null ? "" : r.cmdlines().getOrDefault(low.pid(), "");
            command = command.isEmpty() && low != null ? low.comm() : command; // a kernel thread has none
            int uid = lowest == null ? -1 : lowest.uid();
            out.put(info.inode(), new Namespace(info.kind(), info.inode(), procs.size(),
                lowest == null ? 0 : lowest.pid(), uid, uid < 0 ? "" : users.getOrDefault(uid, String.valueOf(uid)),
                command, info.owner(), info.ownerUid(), info.parent(),
                List.copyOf(held), containers.getOrDefault(info.inode(), "")));
        }
        return new NamespaceView(out, byPid, initial);
    }

    public List<Namespace> all() {
        return new ArrayList<>(byInode.values());
    }

    public Namespace get(long inode) {
        return byInode.get(inode);
    }

    /**
     * True for a namespace the kernel made at boot (those of its threads, and the inodes the
     * kernel fixes for the first ones): no user created it, and no user is charged for it.
     */
    public boolean initial(long inode) {
        return initial.contains(inode) || (inode >= FIRST_INITIAL && inode <= LAST_INITIAL);
    }

    /** The namespaces of a process, by kind; empty when it is gone or not visible. */
    public Map<NsKind, Long> ofProcess(long pid) {
        return byPid.getOrDefault(pid, Map.of());
    }

    /**
     * Namespaces a running container has of its own (not the engine's), by inode. Found
     * without reading any state.json: a container's first process is the child of a
     * berth-monitor whose working directory is the container's directory, and the names
     * directory maps ids back to names.
     */
    private static Map<Long, String> containers(Engine engine, List<NsScanner.Proc> procs,
        Map<Long, Map<NsKind, Long>> byPid) {
        Map<Long, String> out = new HashMap<>();
        Map<NsKind, Long> host = byPid.getOrDefault(ProcessHandle.current().pid(), Map.of());
        Path containers = engine.root().resolve("containers").toAbsolutePath().normalize();
        Map<Integer, String> monitors = new HashMap<>(); // monitor pid -> container id
        for (NsScanner.Proc p : procs) {
            if (p.comm().equals("berth-monitor")) {
                try {
                    Path cwd = Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/cwd"));
                    if (cwd.getParent() != null && cwd.getParent().equals(containers)) {
                        monitors.put(p.pid(), cwd.getFileName().toString());
                    }
                } catch (IOException e) {
                    // gone, or an exec's monitor: no container directory
                }
            }
        }
        if (monitors.isEmpty()) {
            return out;
        }
        Map<String, String> names = engine.namesById();
        for (NsScanner.Proc p : procs) {
            String id = monitors.get(p.ppid());
            if (id == null || p.comm().equals("berth-monitor")) {
                continue;
            }
            String name = names.getOrDefault(id, id.substring(0, Math.min(12, id.length())));
            for (Map.Entry<NsKind, Long> e : p.inodes().entrySet()) {
                if (!e.getValue().equals(host.get(e.getKey()))) {
                    out.merge(e.getValue(), name, (a, b) -> a.equals(b) || a.contains(b) ? a : a + "," + b);
                }
            }
        }
        return out;
    }
}
