package dev.berth.runtime.oci;

import dev.berth.linux.NsKind;
import dev.berth.runtime.ProcessSpec;
import dev.berth.runtime.stage.Program;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The process of runc's {@code exec}: a process.json as given, or the container's own process
 * with the command line's changes, run in every namespace of the container's first process.
 */
final class BundleExec {
    private BundleExec() {}

    /** runc's getProcess: the process that {@code r} describes for the container of {@code spec}. */
    static OciProcess process(OciSpec spec, BundleRuntime.ExecOptions r) throws OciException {
        if (r.processFile() != null) {
            try {
                return OciSpecReader.readProcess(r.processFile());
            } catch (OciSpecException e) {
                throw new OciException(e.getMessage());
            }
        }
        if (r.args().isEmpty()) {
            throw new OciException("exec args cannot be empty: give a command or --process FILE");
        }
        OciProcess base = spec.process();
        List<String> env = new ArrayList<>(base.env());
        env.addAll(r.env());
        OciProcess.User user = base.user();
        List<Long> gids = new ArrayList<>(user.additionalGids());
        gids.addAll(r.additionalGids());
        long uid = user.uid();
        long gid = user.gid();
        if (r.user() != null) {
            String[] parts = r.user().split(":", 2);
            uid = id(parts[0], r.user());
            gid = parts.length > 1 ? id(parts[1], r.user()) : gid;
        }
        user = new OciProcess.User(uid, gid, user.umask(), gids, user.username());
        OciProcess.Capabilities caps = base.capabilities();
        if (!r.caps().isEmpty()) {
            for (String c : r.caps()) {
                if (OciNames.capability(c) < 0) {
                    throw new OciException("unknown capability \"" + c + "\": use a name such as CAP_NET_ADMIN");
                }
            }
            OciProcess.Capabilities b = caps != null ? caps
                : new OciProcess.Capabilities(List.of(), List.of(), List.of(), List.of(), List.of());
            // runc since 1.1.2 (CVE-2022-29162): never into the inheritable set, where a non-root
            // process would keep the capability across an exec of a file with inheritable file
            // capabilities; ambient only where the spec already made it inheritable (the kernel
            // raises no other)
            List<String> ambient = new ArrayList<>();
            for (String c : r.caps()) {
                if (b.inheritable().contains(c)) {
                    ambient.add(c);
                }
            }
            caps = new OciProcess.Capabilities(plus(b.bounding(), r.caps()), plus(b.effective(), r.caps()),
                b.inheritable(), plus(b.permitted(), r.caps()), plus(b.ambient(), ambient));
        }
        return new OciProcess(r.tty(), base.consoleSize(), user, r.args(), base.commandLine(), env,
            r.cwd() != null ? r.cwd() : base.cwd(), caps, base.rlimits(), base.noNewPrivileges() || r.noNewPrivs(),
            base.apparmorProfile(), base.selinuxLabel(), base.oomScoreAdj(), base.ioPriority(), base.scheduler(),
            base.execCPUAffinity());
    }

    /** The stage program of the exec of {@code proc} into the container whose first process is {@code pid}. */
    static Program program(OciSpec spec, OciProcess proc, long pid, BundleCompiler.Launch launch,
        List<String> warnings) throws OciException, IOException {
        ProcessSpec process;
        try {
            process = BundleProcess.of(spec, proc, warnings);
        } catch (OciSpecException e) {
            throw new OciException(e.getMessage());
        }
        return BundleCompiler.compileExec(process, joins(spec, pid), launch);
    }

    /**
     * The container's namespaces by the first process's /proc files, those we are in already left
     * out: setns(2) into one's own user namespace is refused.
     */
    static Map<NsKind, Path> joins(OciSpec spec, long pid) throws IOException {
        Map<NsKind, Path> out = new LinkedHashMap<>();
        for (OciNamespace ns : spec.linux().namespaces()) {
            NsKind kind = ns.kind();
            Path theirs = Path.of("/proc", Long.toString(pid), "ns", kind.procName());
            Path ours = Path.of("/proc/self/ns", kind.procName());
            if (!Files.readSymbolicLink(theirs).equals(Files.readSymbolicLink(ours))) {
                out.put(kind, theirs);
            }
        }
        return out;
    }

    private static long id(String s, String user) throws OciException {
        try {
            long v = Long.parseLong(s);
            if (v < 0 || v > 0xffffffffL) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new OciException("invalid --user \"" + user + "\": use numeric UID[:GID]");
        }
    }

    private static List<String> plus(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        for (String s : b) {
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }
}
