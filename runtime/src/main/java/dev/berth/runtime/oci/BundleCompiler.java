package dev.berth.runtime.oci;

import static dev.berth.runtime.stage.Protocol.*;

import dev.berth.linux.NsKind;
import dev.berth.runtime.CgroupMounts;
import dev.berth.runtime.MountFlags;
import dev.berth.runtime.MountSpec;
import dev.berth.runtime.ProcessSpec;
import dev.berth.runtime.ProgramCompiler;
import dev.berth.runtime.security.ProcessSecurity;
import dev.berth.runtime.stage.Program;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A bundle's config.json as a stage program, the way runc sets a container up: the spec's
 * namespaces, its mounts in order under a root made rslave (or the spec's propagation), the
 * default device nodes and the spec's, pivot_root, sysctls, masked and read-only paths, a
 * read-only root, hostname, and the process. How the process is started (fifo, detached,
 * inherited stdio, console socket) comes from {@link Launch}.
 */
public final class BundleCompiler {
    /** runc's default devices: made in every container that has its own /dev. */
    /** The recursive attributes a bind takes with it; MOUNT_ATTR_* has the bits of MS_RDONLY ... MS_NOEXEC. */
    private static final long EVERY_MOUNT = MountOptions.MOUNT_ATTR_RDONLY | MountOptions.MOUNT_ATTR_NOSUID
        | MountOptions.MOUNT_ATTR_NODEV | MountOptions.MOUNT_ATTR_NOEXEC;
    private static final String[][] DEFAULT_DEVICES = {{"null", "1", "3"}, {"zero", "1", "5"},
        {"full", "1", "7"}, {"random", "1", "8"}, {"urandom", "1", "9"}, {"tty", "5", "0"}};

    /**
     * How the runtime starts the process.
     *
     * @param execFifo the fifo {@code start} opens, or null to start at once ({@code run})
     * @param detach no monitor once started: the process is left to our caller's subreaper
     * @param consoleSocket where the pty master goes, for a terminal process
     * @param preserveFds the caller's fds from 3 that reach the process
     * @param cgroupProcs the files the process joins its cgroup through first ({@code Cgroup.joinFiles})
     * @param keyring the container id whose session keyring ({@code _ses.ID}) the process joins
     *     (a new one for {@code create}, the container's for {@code exec}); null to keep ours
     *     ({@code --no-new-keyring})
     * @param noPivot move the root onto / and chroot, not pivot_root ({@code --no-pivot})
     */
    public record Launch(Path stateDir, Path execFifo, boolean detach, Path consoleSocket, int preserveFds,
        List<String> cgroupProcs, String keyring, boolean noPivot) {}

    private BundleCompiler() {}

    public static Program compile(OciSpec spec, ProcessSpec process, Launch launch) throws OciSpecException {
        Program p = new Program();
        p.add(OP_STATE_DIR, "state directory " + launch.stateDir(), launch.stateDir().toString());
        if (launch.execFifo() != null) {
            p.add(OP_EXEC_FIFO, "make the exec fifo " + launch.execFifo(), launch.execFifo().toString());
        }
        launchOptions(p, process, launch);
        OciLinux linux = spec.linux();
        namespaces(p, linux);
        if (!linux.uidMappings().isEmpty()) {
            if (dev.berth.linux.Procs.effectiveUid() != 0) {
                p.add(OP_DENY_SETGROUPS, "deny setgroups: an unprivileged user may map only its own gid");
            }
            p.add(OP_UID_MAP, "write uid_map", mapText(linux.uidMappings()));
            p.add(OP_GID_MAP, "write gid_map", mapText(linux.gidMappings()));
        }
        if (!linux.timeOffsets().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (var e : linux.timeOffsets().entrySet()) {
                sb.append(e.getKey()).append(' ').append(e.getValue().secs()).append(' ')
                    .append(e.getValue().nanosecs()).append('\n');
            }
            p.add(OP_TIME_OFFSETS, "write timens_offsets", sb.toString());
        }
        if (launch.keyring() != null) {
            ProgramCompiler.newSessionKeyring(p, launch.keyring(), hasNamespace(linux, "user"));
        }
        boolean ownMounts = hasNewNamespace(linux, "mount");
        Path root = spec.root().path();
        if (ownMounts) {
            rootfs(p, spec, root, launch.cgroupProcs());
            pause(p, spec);
            ProgramCompiler.switchRoot(p, root, launch.noPivot());
            for (var e : linux.sysctl().entrySet()) {
                p.add(OP_WRITE, "set the sysctl " + e.getKey(),
                    "/proc/sys/" + e.getKey().replace('.', '/'), e.getValue());
            }
            ProgramCompiler.masks(p, linux.maskedPaths(), linux.readonlyPaths());
            if (spec.root().readonly()) {
                p.add(OP_REMOUNT_RO, "make the root filesystem read-only", "/", "0");
            }
        }
        if (hasNewNamespace(linux, "network")) {
            p.addWithFlags(OP_LINK_UP, RF_OPTIONAL, "set lo up", "lo");
        }
        if (!spec.hostname().isEmpty()) {
            p.add(OP_HOSTNAME, "sethostname " + spec.hostname(), spec.hostname());
        }
        if (!spec.domainname().isEmpty()) {
            p.add(OP_DOMAINNAME, "setdomainname " + spec.domainname(), spec.domainname());
        }
        if (!ownMounts) {
            pause(p, spec);
        }
        ProgramCompiler.process(p, process);
        return p;
    }

    /** Where createRuntime and createContainer hooks run: the mounts made, the root not yet pivoted. */
    private static void pause(Program p, OciSpec spec) {
        if (BundleHooks.pauseAtCreate(spec.hooks())) {
            p.add(OP_PAUSE, "wait while the createRuntime and createContainer hooks run");
        }
    }

    /**
     * {@code exec}: a process in the namespaces of the container's first process ({@code joins},
     * by their /proc files) and its cgroup, set up as {@code process} says.
     */
    public static Program compileExec(ProcessSpec process, Map<NsKind, Path> joins, Launch launch) {
        Program p = new Program();
        launchOptions(p, process, launch);
        for (var e : joins.entrySet()) {
            p.add(OP_JOIN_NS, "join the " + e.getKey().procName() + " namespace " + e.getValue(),
                e.getKey().procName(), e.getValue().toString());
        }
        if (launch.keyring() != null) {
            ProgramCompiler.joinSessionKeyring(p, launch.keyring());
        }
        ProgramCompiler.process(p, process);
        return p;
    }

    private static void launchOptions(Program p, ProcessSpec proc, Launch launch) {
        if (launch.detach()) {
            p.add(OP_DETACH, "leave the process to our caller once started");
        }
        if (proc.tty()) {
            p.add(OP_TTY, "allocate a terminal", Integer.toString(proc.rows()), Integer.toString(proc.cols()));
            if (launch.consoleSocket() != null) {
                p.add(OP_CONSOLE_SOCKET, "send the terminal to " + launch.consoleSocket(),
                    launch.consoleSocket().toString());
            } else {
                p.add(OP_STDIN, "keep stdin open: our caller's terminal is relayed");
            }
        } else {
            p.add(OP_INHERIT_STDIO, "the process gets our stdin, stdout and stderr");
        }
        if (launch.preserveFds() > 0) {
            p.add(OP_PRESERVE_FDS, "pass on fds 3 to " + (2 + launch.preserveFds()),
                Integer.toString(launch.preserveFds()));
        }
        ProgramCompiler.joinCgroup(p, launch.cgroupProcs());
    }

    private static void namespaces(Program p, OciLinux linux) {
        int flags = 0;
        for (OciNamespace ns : linux.namespaces()) {
            NsKind kind = OciNames.nsKind(ns.type());
            if (ns.path().isEmpty()) {
                flags |= kind.cloneFlag();
            } else {
                p.add(OP_JOIN_NS, "join the " + ns.type() + " namespace " + ns.path(), kind.procName(), ns.path());
            }
        }
        if (flags != 0) {
            p.add(OP_NEW_NS, "create namespaces", Integer.toUnsignedString(flags));
        }
    }

    private static boolean hasNewNamespace(OciLinux linux, String type) {
        for (OciNamespace ns : linux.namespaces()) {
            if (ns.type().equals(type) && ns.path().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private static String mapText(List<OciIdMapping> maps) {
        StringBuilder sb = new StringBuilder();
        for (OciIdMapping m : maps) {
            sb.append(m.containerID()).append(' ').append(m.hostID()).append(' ').append(m.size()).append('\n');
        }
        return sb.toString();
    }

    /** runc's prepareRootfs: propagation, the root as a mount point, the spec's mounts, /dev. */
    private static void rootfs(Program p, OciSpec spec, Path root, List<String> cgroupProcs) throws OciSpecException {
        long propagation = propagation(spec.linux().rootfsPropagation());
        p.add(OP_MOUNT, "make / " + (spec.linux().rootfsPropagation().isEmpty() ? "rslave" : spec.linux().rootfsPropagation()),
            "", "/", "", Long.toString(propagation), "");
        p.add(OP_MOUNT, "bind the root filesystem onto itself", root.toString(), root.toString(), "",
            Long.toString(MountFlags.BIND | MountFlags.REC), "");
        // from here every destination is resolved by the stage inside the root, when it mounts
        p.add(OP_ROOT, "open the container's root " + root, root.toString());
        boolean devTmpfs = false;
        for (OciMount m : spec.mounts()) {
            mount(p, spec, m, cgroupProcs);
            devTmpfs |= m.destination().equals("/dev") && !m.type().equals("bind");
        }
        if (devTmpfs || noDevMount(spec)) {
            devices(p, spec);
        }
    }

    private static boolean noDevMount(OciSpec spec) {
        for (OciMount m : spec.mounts()) {
            if (m.destination().equals("/dev")) {
                return false;
            }
        }
        return true;
    }

    private static void mount(Program p, OciSpec spec, OciMount m, List<String> cgroupProcs)
        throws OciSpecException {
        MountOptions o = MountOptions.parse(m.options());
        boolean bind = (o.flags() & MountFlags.BIND) != 0 || m.type().equals("bind");
        String source = m.source();
        boolean file = false;
        if (bind) {
            Path src = Path.of(source);
            if (!src.isAbsolute()) {
                src = bundleOf(spec).resolve(src);
            }
            if (!Files.exists(src)) {
                throw new OciSpecException("mount source " + src + " for " + m.destination() + " does not exist");
            }
            source = src.toString();
            file = !Files.isDirectory(src);
        }
        // as runc: resolved by the stage inside the root when it mounts, not here ahead of time
        String dest = m.destination();
        long flags = o.flags() & ~MountFlags.PROPAGATION;
        if (bind) {
            flags |= MountFlags.BIND;
        }
        if (m.type().equals("cgroup")) {
            CgroupMounts.add(p, dest, flags, cgroupProcs, hasNamespace(spec.linux(), "cgroup"));
            return;
        }
        long propagation = 0;
        for (long prop : o.propagation()) {
            propagation = prop; // the last one wins, as for repeated mount(2) calls
        }
        if (!bind && m.type().equals("tmpfs")) {
            // runc's tmpfs: the covered directory's mode, and its content with tmpcopyup
            p.addInRoot(OP_TMPFS, "mount tmpfs on " + dest + (o.tmpcopyup() ? ", with a copy of what it covers" : ""),
                dest, Long.toString(flags), o.data(), o.tmpcopyup() ? "1" : "0");
            if (propagation != 0) {
                p.addInRoot(OP_MOUNT, "set the propagation of " + dest, "", dest, "", Long.toString(propagation), "");
            }
        } else if (bind) { // rro, rnosuid, rnodev, rnoexec: with the bind, on every mount of it
            ProgramCompiler.mountTarget(p, dest, file);
            ProgramCompiler.bindIn(p, 0, source, dest, flags, o.attrSet() & EVERY_MOUNT, propagation);
            return;
        } else {
            ProgramCompiler.mount(p, new MountSpec(source, dest, m.type(), flags, propagation, o.data(), file));
        }
        if ((o.attrSet() & MountOptions.MOUNT_ATTR_RDONLY) != 0) {
            p.addInRoot(OP_REMOUNT_RO, "make " + dest + " read-only recursively", dest, Long.toString(MountFlags.REC));
        }
    }

    private static boolean hasNamespace(OciLinux linux, String type) {
        for (OciNamespace ns : linux.namespaces()) {
            if (ns.type().equals(type)) {
                return true;
            }
        }
        return false;
    }

    private static Path bundleOf(OciSpec spec) {
        return spec.bundle();
    }

    /** Device nodes: made with mknod, or (in a user namespace, where mknod is refused) bound from the host. */
    private static void devices(Program p, OciSpec spec) {
        boolean userns = false;
        for (OciNamespace ns : spec.linux().namespaces()) {
            userns |= ns.type().equals("user");
        }
        for (String[] d : DEFAULT_DEVICES) {
            node(p, userns, "/dev/" + d[0], "c", 0666, Long.parseLong(d[1]), Long.parseLong(d[2]), 0, 0);
        }
        for (OciDevice d : spec.linux().devices()) {
            long mode = d.fileMode() != null ? d.fileMode() : 0666;
            String type = d.type().equals("u") ? "c" : d.type();
            node(p, userns, d.path(), type, mode, d.major(), d.minor(), d.uid() != null ? d.uid() : 0,
                d.gid() != null ? d.gid() : 0);
        }
        String[][] links = {{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
            {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"}};
        for (String[] l : links) {
            p.addWithFlags(OP_SYMLINK, RF_OPTIONAL | RF_IN_ROOT, "symlink /dev/" + l[1], l[0], "/dev/" + l[1]);
        }
    }

    /** A node at {@code path}, in the container's root. */
    private static void node(Program p, boolean userns, String path, String type, long mode,
        long major, long minor, long uid, long gid) {
        String parent = ProgramCompiler.parent(path);
        p.addInRoot(OP_MKDIR, "mkdir " + parent, parent, "755");
        if (userns) { // mknod is refused in a user namespace: the host's node, bound
            p.addInRoot(OP_TOUCH, "create " + path, path);
            p.addInRoot(OP_MOUNT, "bind the host's " + path, path, path, "", Long.toString(MountFlags.BIND), "");
            return;
        }
        p.addInRoot(OP_MKNOD, "mknod " + path, path, type, Long.toOctalString(mode), Long.toString(major),
            Long.toString(minor), Long.toString(uid), Long.toString(gid));
    }

    private static long propagation(String p) {
        return switch (p) {
            case "private" -> MountFlags.PRIVATE;
            case "rprivate" -> MountFlags.PRIVATE | MountFlags.REC;
            case "shared" -> MountFlags.SHARED;
            case "rshared" -> MountFlags.SHARED | MountFlags.REC;
            case "slave" -> MountFlags.SLAVE;
            case "unbindable" -> MountFlags.UNBINDABLE;
            case "runbindable" -> MountFlags.UNBINDABLE | MountFlags.REC;
            default -> MountFlags.SLAVE | MountFlags.REC;
        };
    }
}
