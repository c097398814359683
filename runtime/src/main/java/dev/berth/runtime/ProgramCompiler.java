package dev.berth.runtime;

import static dev.berth.runtime.MountFlags.BIND;
import static dev.berth.runtime.MountFlags.NODEV;
import static dev.berth.runtime.MountFlags.NOEXEC;
import static dev.berth.runtime.MountFlags.NOSUID;
import static dev.berth.runtime.MountFlags.PRIVATE;
import static dev.berth.runtime.MountFlags.RDONLY;
import static dev.berth.runtime.MountFlags.REC;
import static dev.berth.runtime.MountFlags.SLAVE;
import static dev.berth.runtime.MountFlags.STRICTATIME;
import static dev.berth.runtime.stage.Protocol.*;

import dev.berth.linux.NsKind;
import dev.berth.runtime.security.Capabilities;
import dev.berth.runtime.security.ProcessSecurity;
import dev.berth.runtime.security.Rlimit;
import dev.berth.runtime.stage.Program;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Turns a resolved {@link ContainerConfig} into the stage program that builds it. All policy is
 * here (what to mount where, in which order, with which flags); the stage only executes.
 */
public final class ProgramCompiler {
    /** Host directories the {@code host} image shows read-only, as bubblewrap's examples do. */
    private static final List<String> HOST_DIRS =
        List.of("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32");
    /** Device nodes of a minimal /dev, bind-mounted from the host (mknod is denied in a userns). */
    private static final List<String> DEVICES = List.of("null", "zero", "full", "random", "urandom", "tty");
    /** Paths docker masks inside /proc, because they leak host information or are dangerous. */
    private static final List<String> MASKED = List.of("/proc/asound", "/proc/acpi", "/proc/kcore",
        "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
        "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");
    private static final List<String> READ_ONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq",
        "/proc/sys", "/proc/sysrq-trigger");

    /** KEY_USR_SEARCH: the keyring's owner may find it by name (exec joins it so). */
    private static final long KEY_USR_SEARCH = 0x80000;
    /** KEY_OTH_SEARCH: in a user namespace, runc's choice: anyone may find it by name. */
    private static final long KEY_OTH_SEARCH = 0x8;
    /** A kernel without keyrings (CONFIG_KEYS=n): runc carries on in the caller's keyring. */
    private static final String ENOSYS = "38";
    /** The fstypes runc hides outside the root before it moves the root (see OP_MOVE_ROOT). */
    private static final List<String> HIDDEN_BEFORE_MOVE = List.of("proc", "sysfs");

    /** How the record that mounts an image's overlay is described (the engine finds it by this). */
    public static final String OVERLAY_STEP = "mount the image's overlay";

    private ProgramCompiler() {}

    /** The program of a new container: namespaces, root filesystem, process. */
    public static Program compileRun(ContainerConfig c) {
        Program p = new Program();
        monitorOptions(p, c);
        joinCgroup(p, c.options().cgroupProcs());
        namespaces(p, c.namespaces());
        if (c.uidMap() != null) {
            if (dev.berth.linux.Procs.effectiveUid() != 0) {
                p.add(OP_DENY_SETGROUPS, "deny setgroups: an unprivileged user may map only its own gid");
            }
            p.add(OP_UID_MAP, "write uid_map", c.uidMap().line());
            p.add(OP_GID_MAP, "write gid_map", c.gidMap().line());
        }
        if (c.timeOffsets() != null) {
            p.add(OP_TIME_OFFSETS, "write timens_offsets " + c.timeOffsets().strip().replace('\n', ','),
                c.timeOffsets());
        }
        newSessionKeyring(p, c.id(), c.inUserNamespace());
        // from here every path under the root is the container's, resolved inside it by the stage
        Path root = rootfs(p, c);
        kernelFilesystems(p, c);
        dev(p, c);
        for (MountSpec m : c.options().mounts()) {
            mount(p, m);
        }
        etcFiles(p, c.etcFiles());
        if (c.rootfs() instanceof Rootfs.Host h && h.readOnly()) {
            p.add(OP_REMOUNT_RO, "make the root filesystem read-only", root.toString(), "0");
            p.addInRoot(OP_REMOUNT_RO, "make /etc read-only", "/etc", "0");
        }
        switchRoot(p, root, c.options().noPivot());
        for (var e : c.options().sysctls().entrySet()) {
            p.add(OP_WRITE, "set the sysctl " + e.getKey() + "=" + e.getValue(),
                "/proc/sys/" + e.getKey().replace('.', '/'), e.getValue());
        }
        if (!c.options().privileged()) {
            masks(p, MASKED, READ_ONLY);
        }
        if (c.isPrivate(NsKind.NET)) {
            p.add(OP_LINK_UP, "set lo up", "lo");
        }
        if (c.isPrivate(NsKind.UTS)) {
            p.add(OP_HOSTNAME, "sethostname " + c.hostname(), c.hostname());
        }
        process(p, c.process());
        return p;
    }

    /**
     * runc's session keyring: the container's first process leaves the keyring of whoever
     * started it (its keys) for a new one named {@code _ses.ID}, which its owner (anyone, in a
     * user namespace) may then search, so that an exec can find and join it by that name. The
     * first step in the container, as in runc's init: before the ids change.
     */
    public static void newSessionKeyring(Program p, String id, boolean userns) {
        String name = sessionKeyringName(id);
        p.add(OP_SESSION_KEYRING, "join a new session keyring " + name, name, "ffffffff",
            Long.toHexString(userns ? KEY_OTH_SEARCH : KEY_USR_SEARCH), ENOSYS);
    }

    /** runc's exec: the container's session keyring, joined by its name (a new one if none is found). */
    public static void joinSessionKeyring(Program p, String id) {
        String name = sessionKeyringName(id);
        p.add(OP_SESSION_KEYRING, "join the session keyring " + name, name, "", "", ENOSYS);
    }

    /** runc's name of a container's session keyring. */
    public static String sessionKeyringName(String id) {
        return "_ses." + id;
    }

    /**
     * The switch to the container's root, {@code root} (a mount point): pivot_root, or with
     * {@code noPivot} (a root on the initramfs, which pivot_root refuses) runc's move and chroot,
     * the host's proc and sysfs mounts hidden first; then the records after it resolve their
     * paths in the new {@code /}.
     */
    public static void switchRoot(Program p, Path root, boolean noPivot) {
        if (noPivot) {
            List<String> args = new ArrayList<>();
            args.add(root.toString());
            args.addAll(HIDDEN_BEFORE_MOVE);
            p.addAll(OP_MOVE_ROOT, "move " + root + " onto / and chroot there (no pivot_root)", args);
            p.add(OP_ROOT, "the container's root, moved", "/");
            return;
        }
        p.add(OP_PIVOT_ROOT, "pivot_root to " + root, root.toString());
        p.add(OP_ROOT, "the container's root, pivoted", "/");
    }

    /**
     * A mount asked for: its target made (a directory, or a file for a file or device), then
     * mounted. The destination is a path in the container: the stage resolves it inside the
     * root at the moment it mounts (a symlink there, or {@code ..}, never leads out), so the
     * container's files cannot redirect it, however they change before.
     */
    public static void mount(Program p, MountSpec m) {
        String target = m.destination();
        mountTarget(p, target, m.fileTarget());
        if (m.isBind()) {
            bindIn(p, 0, m.source(), target, m.flags(), 0, m.propagation());
            return;
        }
        p.addInRoot(OP_MOUNT, "mount " + m.type() + " on " + target, m.source(), target, m.type(),
            Long.toString(m.flags()), m.data());
        if (m.propagation() != 0) {
            p.addInRoot(OP_MOUNT, "set the propagation of " + target, "", target, "",
                Long.toString(m.propagation()), "");
        }
    }

    /** A mount's target in the container's root: a directory, or a file (in its directory). */
    public static void mountTarget(Program p, String target, boolean file) {
        if (file) {
            String parent = parent(target);
            p.addInRoot(OP_MKDIR, "mkdir " + parent, parent, "755");
            p.addInRoot(OP_TOUCH, "create " + target, target);
        } else {
            p.addInRoot(OP_MKDIR, "mkdir " + target, target, "755");
        }
    }

    /**
     * A bind of {@code source} on {@code target} (in the container's root) that arrives there
     * with its flags and propagation, in one step ({@code OP_BIND}): a read-only bind of a tree
     * ({@code REC}) is read-only in every mount of it, as is every flag in {@code everyMount}
     * ({@code rro}); the other flags are the top mount's.
     */
    public static void bindIn(Program p, int recordFlags, String source, String target, long flags,
        long everyMount, long propagation) {
        long change = flags & (RDONLY | NOSUID | NODEV | NOEXEC);
        long all = everyMount & (RDONLY | NOSUID | NODEV | NOEXEC);
        if ((change & RDONLY) != 0 && (flags & REC) != 0) {
            all |= change;
            change = 0;
        }
        p.addWithFlags(OP_BIND, RF_IN_ROOT | recordFlags, "bind " + source + " on " + target + describe(change | all),
            source, target, Long.toString(BIND | (flags & REC)), Long.toString(change), Long.toString(all),
            Long.toString(propagation));
    }

    private static String describe(long flags) {
        StringBuilder b = new StringBuilder();
        String[] names = {"ro", "nosuid", "nodev", "noexec"};
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1L << i)) != 0) {
                b.append(b.isEmpty() ? " (" : ",").append(names[i]);
            }
        }
        return b.isEmpty() ? "" : b.append(')').toString();
    }

    /** The directory of a path in the container ({@code /} for {@code /x}). */
    public static String parent(String path) {
        String s = path;
        while (s.length() > 1 && s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        int slash = s.lastIndexOf('/');
        return slash <= 0 ? "/" : s.substring(0, slash);
    }

    /** The program of an exec: join the namespaces that differ from ours, then the process. */
    public static Program compileExec(Map<NsKind, Path> joins, ProcessSpec process) {
        return compileExec(joins, List.of(), process);
    }

    /**
     * C1 joins a cgroup through {@code files} ({@code Cgroup.joinFiles}) before anything else: a
     * v1 hierarchy's {@code tasks} is written; a v2 directory's {@code cgroup.procs} becomes
     * {@link dev.berth.runtime.stage.Protocol#OP_CLONE_CGROUP}, C1 started there by clone3 (which
     * spares it the global migration lock's grace period), with the write as the way where the
     * kernel cannot.
     */
    public static void joinCgroup(Program p, List<String> files) {
        for (String f : files) {
            if (f.endsWith("/cgroup.procs")) {
                String dir = f.substring(0, f.length() - "/cgroup.procs".length());
                p.add(OP_CLONE_CGROUP, "start in the cgroup " + dir, dir);
                p.addWithFlags(OP_CGROUP, RF_ELSE, "join the cgroup " + f, f);
            } else {
                p.add(OP_CGROUP, "join the cgroup " + f, f);
            }
        }
    }

    /** The same, the process first joining the container's cgroup ({@code Cgroup.joinFiles}). */
    public static Program compileExec(Map<NsKind, Path> joins, List<String> cgroupProcs, ProcessSpec process) {
        return compileExec(joins, cgroupProcs, process, null);
    }

    /**
     * The same in a container of {@code id}, whose session keyring the process joins (runc's
     * exec, which docker's uses); null: the process keeps ours.
     */
    public static Program compileExec(Map<NsKind, Path> joins, List<String> cgroupProcs, ProcessSpec process,
        String id) {
        Program p = new Program();
        processOptions(p, process);
        joinCgroup(p, cgroupProcs);
        for (var e : joins.entrySet()) {
            p.add(OP_JOIN_NS, "join the " + e.getKey().procName() + " namespace " + e.getValue(),
                e.getKey().procName(), e.getValue().toString());
        }
        if (id != null) {
            joinSessionKeyring(p, id);
        }
        process(p, process);
        return p;
    }

    /**
     * {@code unshare(1)}: new namespaces of {@code kinds} for {@code process}, which is always
     * forked (so it is PID 1 of a new PID namespace, as with {@code unshare --fork}). With
     * {@code mountProc}, a fresh /proc (needs new mount and PID namespaces); {@code persist}
     * binds each new namespace onto a file from the caller's mount namespace, so that it
     * outlives its processes.
     */
    public static Program compileUnshare(List<NsKind> kinds, IdMap uidMap, IdMap gidMap, boolean mountProc,
        Map<NsKind, Path> persist, ProcessSpec process) {
        Program p = new Program();
        processOptions(p, process);
        int flags = 0;
        for (NsKind k : kinds) {
            flags |= k.cloneFlag();
        }
        p.add(OP_NEW_NS, "create namespaces", Integer.toUnsignedString(flags));
        if (uidMap != null) {
            p.add(OP_UID_MAP, "write uid_map", uidMap.line());
            p.add(OP_GID_MAP, "write gid_map", gidMap.line());
        }
        for (Map.Entry<NsKind, Path> e : persist.entrySet()) {
            p.add(OP_PERSIST_NS, "keep the " + e.getKey().procName() + " namespace at " + e.getValue(),
                e.getKey().procName(), e.getValue().toString());
        }
        if (mountProc) {
            // private first: the new /proc must not propagate back to the caller's namespace
            mount(p, "none", Path.of("/"), "", REC | PRIVATE, "");
            mount(p, "proc", Path.of("/proc"), "proc", NOSUID | NODEV | NOEXEC, "");
        }
        // a new user namespace without maps has no ids to set: the command keeps the unmapped
        // ones (65534) and the namespace's capabilities, as with unshare --user
        process(p, process, !(kinds.contains(NsKind.USER) && uidMap == null));
        return p;
    }

    /**
     * {@code ip netns add} ({@code source} null: a new network namespace) or {@code attach}
     * (the namespace file {@code source}): bind it onto {@code file}. No mount namespace of its
     * own, so the bind mount lands in the host's; then {@code done} runs (a no-op command).
     */
    public static Program compileNetnsPin(Path file, Path source, ProcessSpec done) {
        Program p = new Program();
        if (source == null) {
            p.add(OP_NEW_NS, "create a network namespace", Integer.toUnsignedString(NsKind.NET.cloneFlag()));
        }
        String from = source == null ? "/proc/self/ns/net" : source.toString();
        p.add(OP_MOUNT, "bind the network namespace onto " + file, from, file.toString(), "", Long.toString(BIND), "");
        process(p, done);
        return p;
    }

    /**
     * The container's network namespace at {@code file} for a helper that quits when the file
     * goes (pasta watches its directory): bound there by the monitor once the namespace exists
     * ({@code bind}, as root; a user's engine puts a symlink there itself, since it may not
     * mount), and detached and unlinked by the monitor when the container is gone.
     */
    public static void netnsUntilExit(Program p, Path file, boolean bind) {
        if (bind) {
            p.add(OP_PERSIST_NS, "keep the net namespace at " + file, NsKind.NET.procName(), file.toString());
        }
        p.add(OP_REMOVE_AT_EXIT, "remove " + file + " when the container is gone", file.toString());
    }

    /** {@code ip netns set}: the id of the network namespace behind {@code file}, in ours. */
    public static Program compileNsid(Path file, int id, ProcessSpec done) {
        Program p = new Program();
        p.add(OP_NSID, "set the netns id of " + file + " to " + id, file.toString(), Integer.toString(id));
        process(p, done);
        return p;
    }

    /** {@code ip netns delete}: detach the bind mount at {@code file} in the host's mount namespace. */
    public static Program compileUnmount(Path file, ProcessSpec done) {
        Program p = new Program();
        p.add(OP_UNMOUNT, "unmount " + file, file.toString());
        process(p, done);
        return p;
    }

    /**
     * {@code ip netns exec}, as iproute2 does it: join the network namespace, take a mount
     * namespace of our own (slave, so nothing propagates back), mount a /sys that shows this
     * namespace's devices, and bind {@code /etc/netns/NAME/*} over {@code /etc}.
     */
    public static Program compileNetnsExec(Path nsFile, Map<Path, Path> etcBinds, ProcessSpec process) {
        Program p = new Program();
        processOptions(p, process);
        p.add(OP_JOIN_NS, "join the network namespace " + nsFile, NsKind.NET.procName(), nsFile.toString());
        p.add(OP_NEW_NS, "create a mount namespace", Integer.toUnsignedString(NsKind.MNT.cloneFlag()));
        mount(p, "none", Path.of("/"), "", REC | SLAVE, "");
        p.addWithFlags(OP_UNMOUNT, RF_OPTIONAL, "unmount the host's /sys", "/sys");
        mount(p, "sysfs", Path.of("/sys"), "sysfs", NOSUID | NODEV | NOEXEC, "");
        for (Map.Entry<Path, Path> e : etcBinds.entrySet()) {
            mount(p, e.getKey().toString(), e.getValue(), "", BIND, "");
        }
        process(p, process);
        return p;
    }

    private static void monitorOptions(Program p, ContainerConfig c) {
        p.add(OP_STATE_DIR, "monitor state directory " + c.stateDir(), c.stateDir().toString());
        p.add(OP_LOG_FILE, "open the log file " + c.logFile(), c.logFile().toString());
        processOptions(p, c.process());
        if (!c.exitCommand().isEmpty()) {
            p.addAll(OP_EXIT_COMMAND, "exit command", c.exitCommand());
        }
        if (c.ephemeral()) {
            p.add(OP_EPHEMERAL, "removed on exit: no fsync of the exit file");
        }
    }

    private static void processOptions(Program p, ProcessSpec proc) {
        if (proc.tty()) {
            p.add(OP_TTY, "allocate a terminal", String.valueOf(proc.rows()), String.valueOf(proc.cols()));
        }
        if (proc.stdin()) {
            p.add(OP_STDIN, "keep stdin open");
        }
        if (proc.init()) {
            p.add(OP_INIT, "run an init process");
        }
    }

    private static void namespaces(Program p, Map<NsKind, NamespaceMode> ns) {
        int flags = 0;
        for (var e : ns.entrySet()) {
            // instanceof, not a pattern switch: its bootstrap spins a class at run time (~1 ms cold)
            if (e.getValue() instanceof NamespaceMode.Private) {
                flags |= e.getKey().cloneFlag();
            } else if (e.getValue() instanceof NamespaceMode.Join j) {
                p.add(OP_JOIN_NS, "join the " + e.getKey().procName() + " namespace " + j.path(),
                    e.getKey().procName(), j.path().toString());
            }
        }
        if (flags != 0) {
            p.add(OP_NEW_NS, "create namespaces", Integer.toUnsignedString(flags));
        }
    }

    private static void mount(Program p, String src, Path target, String type, long flags, String data) {
        p.add(OP_MOUNT, "mount " + (type.isEmpty() ? src : type) + " on " + target,
            src, target.toString(), type, Long.toString(flags), data);
    }

    /** A mount on {@code target}, a path in the container's root. */
    private static void mountIn(Program p, String src, String target, String type, long flags, String data) {
        p.addInRoot(OP_MOUNT, "mount " + (type.isEmpty() ? src : type) + " on " + target,
            src, target, type, Long.toString(flags), data);
    }

    /** A host directory bound on {@code target}, a path in the container's root. */
    private static void bind(Program p, Path src, String target, boolean readOnly) {
        bindIn(p, 0, src.toString(), target, BIND | REC | (readOnly ? RDONLY : 0), 0, 0);
    }

    /**
     * Sets up the root filesystem (still at its host path) and returns that path; the records
     * after it resolve their targets inside it ({@code OP_ROOT}).
     */
    private static Path rootfs(Program p, ContainerConfig c) {
        // nothing we mount may propagate back to the host
        mount(p, "", Path.of("/"), "", REC | PRIVATE, "");
        if (c.rootfs() instanceof Rootfs.Directory d) {
            mount(p, d.path().toString(), d.path(), "", BIND | REC, "");
            if (d.readOnly()) {
                p.add(OP_REMOUNT_RO, "make the root filesystem read-only", d.path().toString(), "0");
            }
            return root(p, d.path());
        }
        if (c.rootfs() instanceof Rootfs.Overlay o) {
            // no nosuid/nodev: an image's setuid binaries work as with docker; the lower
            // directories are 0700 to everyone but the root they were unpacked for
            p.add(OP_MOUNT, OVERLAY_STEP + " on " + o.merged(), "overlay", o.merged().toString(), "overlay", "0",
                o.options());
            if (o.readOnly()) {
                p.add(OP_REMOUNT_RO, "make the root filesystem read-only", o.merged().toString(), "0");
            }
            return root(p, o.merged());
        }
        Path root = c.stateDir().resolve("rootfs");
        Path scratch = c.stateDir().resolve("scratch");
        mount(p, "tmpfs", root, "tmpfs", NOSUID | NODEV, "mode=755,size=65536k");
        root(p, root);
        for (String dir : HOST_DIRS) {
            Path host = Path.of("/", dir);
            if (Files.isSymbolicLink(host)) {
                p.addInRoot(OP_SYMLINK, "symlink /" + dir, readLink(host), "/" + dir);
            } else if (Files.isDirectory(host)) {
                p.addInRoot(OP_MKDIR, "mkdir /" + dir, "/" + dir, "755");
                bind(p, host, "/" + dir, true);
            }
        }
        // a private /etc: the host's files below, the container's changes in a tmpfs above
        mount(p, "tmpfs", scratch, "tmpfs", NOSUID | NODEV, "mode=700,size=65536k");
        p.add(OP_MKDIR, "mkdir the /etc overlay", scratch.resolve("upper").toString(), "755");
        p.add(OP_MKDIR, "mkdir the /etc overlay", scratch.resolve("work").toString(), "755");
        p.addInRoot(OP_MKDIR, "mkdir /etc", "/etc", "755");
        mountIn(p, "overlay", "/etc", "overlay", NOSUID | NODEV,
            "lowerdir=/etc,upperdir=" + scratch.resolve("upper") + ",workdir=" + scratch.resolve("work"));
        // where overlayfs is not available, the host's /etc read-only is the next best thing
        p.addWithFlags(OP_MOUNT, RF_ELSE | RF_IN_ROOT, "bind /etc", "/etc", "/etc", "",
            Long.toString(BIND | REC), "");
        for (String dir : List.of("root", "home", "var/tmp", "run", "mnt", "opt", "srv", "media")) {
            p.addInRoot(OP_MKDIR, "mkdir /" + dir, "/" + dir, dir.equals("root") ? "700" : "755");
        }
        p.addInRoot(OP_MKDIR, "mkdir /tmp", "/tmp", "755");
        mountIn(p, "tmpfs", "/tmp", "tmpfs", NOSUID | NODEV, "mode=1777");
        return root;
    }

    /** The root's directory, mounted: from here the stage resolves RF_IN_ROOT paths inside it. */
    private static Path root(Program p, Path root) {
        p.add(OP_ROOT, "open the container's root " + root, root.toString());
        return root;
    }

    private static String readLink(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void kernelFilesystems(Program p, ContainerConfig c) {
        boolean userns = c.inUserNamespace();
        p.addInRoot(OP_MKDIR, "mkdir /proc", "/proc", "555");
        // proc may only be mounted by a user namespace that owns the PID namespace
        if (!userns || c.isPrivate(NsKind.PID)) {
            mountIn(p, "proc", "/proc", "proc", NOSUID | NODEV | NOEXEC, "");
        } else {
            bind(p, Path.of("/proc"), "/proc", false);
        }
        p.addInRoot(OP_MKDIR, "mkdir /sys", "/sys", "555");
        // likewise sysfs and the network namespace
        if (!userns || c.isPrivate(NsKind.NET)) {
            long ro = c.options().privileged() ? 0 : RDONLY;
            mountIn(p, "sysfs", "/sys", "sysfs", ro | NOSUID | NODEV | NOEXEC, "");
        } else {
            bind(p, Path.of("/sys"), "/sys", true);
        }
        // docker's read-only /sys/fs/cgroup of the container's own cgroup; a user namespace
        // could mount only cgroup2, and a rootless container rarely has a cgroup of its own
        if (!userns && !c.options().cgroupProcs().isEmpty()) {
            long ro = c.options().privileged() ? 0 : RDONLY;
            CgroupMounts.add(p, "/sys/fs/cgroup", ro | NOSUID | NODEV | NOEXEC, c.options().cgroupProcs(),
                c.isPrivate(NsKind.CGROUP));
        }
    }

    private static void dev(Program p, ContainerConfig c) {
        p.addInRoot(OP_MKDIR, "mkdir /dev", "/dev", "755");
        if (c.options().privileged()) {
            // every host device, as docker's --privileged; pts, shm and mqueue stay the container's
            mountIn(p, "/dev", "/dev", "", BIND | REC, "");
        } else {
            // nodev: the nodes here are bind mounts of the host's, each its own mount; a node
            // made with mknod (CAP_MKNOD is in docker's default set) opens nothing
            mountIn(p, "tmpfs", "/dev", "tmpfs", NOSUID | NODEV | STRICTATIME, "mode=755,size=65536k");
            for (String name : DEVICES) {
                p.addInRoot(OP_TOUCH, "create /dev/" + name, "/dev/" + name);
                mountIn(p, "/dev/" + name, "/dev/" + name, "", BIND, "");
            }
        }
        p.addInRoot(OP_MKDIR, "mkdir /dev/pts", "/dev/pts", "755");
        // gid 5 is "tty" on Debian and in docker; in a user namespace it must be mapped
        String ptsGid = c.gidMap() == null || c.gidMap().toHost(5) >= 0 ? ",gid=5" : "";
        mountIn(p, "devpts", "/dev/pts", "devpts", NOSUID | NOEXEC, "newinstance,ptmxmode=0666,mode=0620" + ptsGid);
        p.addInRoot(OP_SYMLINK, "symlink /dev/ptmx", "pts/ptmx", "/dev/ptmx");
        if (c.options().privileged()) { // the host's /dev/ptmx would open the host's terminals
            p.addWithFlags(OP_MOUNT, RF_IN_ROOT | RF_SOURCE_IN_ROOT, "bind /dev/pts/ptmx on /dev/ptmx",
                "/dev/pts/ptmx", "/dev/ptmx", "", Long.toString(BIND), "");
        }
        p.addInRoot(OP_MKDIR, "mkdir /dev/shm", "/dev/shm", "1777");
        mountIn(p, "shm", "/dev/shm", "tmpfs", NOSUID | NODEV | NOEXEC, "mode=1777,size=65536k");
        p.addInRoot(OP_MKDIR, "mkdir /dev/mqueue", "/dev/mqueue", "755");
        // a user namespace may mount mqueue only for an IPC namespace it owns
        if (!c.inUserNamespace() || c.isPrivate(NsKind.IPC)) {
            mountIn(p, "mqueue", "/dev/mqueue", "mqueue", NOSUID | NODEV | NOEXEC, "");
        }
        String[][] links = {{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
            {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}, {"/proc/kcore", "core"}};
        for (String[] l : links) {
            p.addInRoot(OP_SYMLINK, "symlink /dev/" + l[1], l[0], "/dev/" + l[1]);
        }
    }

    private static void etcFiles(Program p, Map<String, Path> files) {
        if (files.isEmpty()) {
            return;
        }
        p.addInRoot(OP_MKDIR, "mkdir /etc", "/etc", "755");
        for (var e : files.entrySet()) {
            String target = "/etc/" + e.getKey();
            p.addInRoot(OP_TOUCH, "create " + target, target);
            mountIn(p, e.getValue().toString(), target, "", BIND, "");
        }
    }

    /**
     * Masked paths get /dev/null or an empty read-only tmpfs; read-only ones a read-only bind of
     * themselves. After pivot_root, in the root the last {@code OP_ROOT} opened ({@code /}): a
     * link to a magic link ({@code /proc/1/root} of a shared PID namespace) leads nowhere.
     */
    public static void masks(Program p, List<String> masked, List<String> readOnly) {
        for (String path : masked) {
            // /dev/null over files, an empty read-only tmpfs over directories; absent paths are fine
            p.addWithFlags(OP_MOUNT, RF_OPTIONAL | RF_IN_ROOT, "mask " + path, "/dev/null", path, "",
                Long.toString(BIND), "");
            p.addWithFlags(OP_MOUNT, RF_ELSE | RF_OPTIONAL | RF_IN_ROOT, "mask " + path, "tmpfs", path, "tmpfs",
                Long.toString(RDONLY), "size=0");
        }
        for (String path : readOnly) { // read-only itself; what is mounted below it keeps its flags
            p.addWithFlags(OP_BIND, RF_OPTIONAL | RF_IN_ROOT | RF_SOURCE_IN_ROOT, "bind " + path + " read-only",
                path, path, Long.toString(BIND | REC), Long.toString(RDONLY), "0", "0");
        }
    }

    /**
     * The process's own steps, in runc's order: limits while still privileged, ids (keeping the
     * permitted capabilities across setuid), then the capability sets. The seccomp filter goes
     * last, after the start, when no_new_privs allows that; without it loading a filter needs
     * CAP_SYS_ADMIN, so it goes before the capabilities are dropped.
     */
    public static void process(Program p, ProcessSpec proc) {
        process(p, proc, true);
    }

    /** The same; without {@code ids}, the process keeps the ids it has (no setgroups, setgid, setuid). */
    private static void process(Program p, ProcessSpec proc, boolean ids) {
        ProcessSecurity sec = proc.security();
        if (proc.tty()) {
            p.add(OP_PTY, "open the container's terminal", "/dev/console");
        }
        p.addWithFlags(OP_MKDIR, RF_OPTIONAL, "create the working directory " + proc.cwd(), proc.cwd(), "755");
        p.add(OP_CHDIR, "change to the working directory " + proc.cwd(), proc.cwd());
        for (Rlimit r : sec.rlimits()) {
            p.add(OP_RLIMIT, "set " + Rlimit.name(r.resource()) + " to " + r.soft() + ":" + r.hard(),
                Integer.toString(r.resource()), Long.toString(r.soft()), Long.toString(r.hard()));
        }
        if (sec.oomScoreAdj() != null) {
            p.add(OP_WRITE, "set oom_score_adj to " + sec.oomScoreAdj(), "/proc/self/oom_score_adj",
                sec.oomScoreAdj().toString());
        }
        if (sec.personality() != null) {
            p.add(OP_PERSONALITY, "set the personality " + Long.toHexString(sec.personality()),
                Long.toString(sec.personality()));
        }
        boolean seccomp = sec.seccomp() != null;
        if (seccomp && !sec.noNewPrivileges()) {
            seccomp(p, sec); // needs CAP_SYS_ADMIN: before the ids change and the capabilities go
        }
        List<String> groups = new ArrayList<>();
        for (int g : proc.groups()) {
            groups.add(Integer.toString(g));
        }
        if (ids) {
            p.addAll(OP_SETGROUPS, "setgroups " + groups, groups);
            p.add(OP_SETGID, "setgid " + proc.gid(), Integer.toString(proc.gid()));
            if (sec.caps() != null && proc.uid() != 0) {
                p.add(OP_KEEP_CAPS, "keep capabilities across setuid");
            }
            p.add(OP_SETUID, "setuid " + proc.uid(), Integer.toString(proc.uid()));
        }
        String umask = "0" + Integer.toOctalString(sec.umask());
        p.add(OP_UMASK, "umask " + umask, umask);
        p.addAll(OP_ENV, "environment", proc.env());
        if (sec.caps() != null) {
            p.add(OP_CAPS, "set the capabilities " + Capabilities.names(sec.caps().effective()), sec.caps().hex());
        }
        if (sec.noNewPrivileges()) {
            p.add(OP_NO_NEW_PRIVS, "set no_new_privs");
        }
        p.add(OP_GO, "wait for the start");
        if (seccomp && sec.noNewPrivileges()) {
            seccomp(p, sec);
        }
        p.addAll(OP_EXEC, "exec " + proc.args().get(0), proc.args());
    }

    private static void seccomp(Program p, ProcessSecurity sec) {
        p.add(OP_SECCOMP, "load the seccomp filter (" + sec.seccomp().length / 8 + " instructions)",
            HexFormat.of().formatHex(sec.seccomp()), Integer.toString(sec.seccompFlags()));
    }
}
