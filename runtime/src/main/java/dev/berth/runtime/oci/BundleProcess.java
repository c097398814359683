package dev.berth.runtime.oci;

import dev.berth.linux.Errno;
import dev.berth.runtime.ProcessSpec;
import dev.berth.runtime.RootfsPath;
import dev.berth.runtime.seccomp.Seccomp;
import dev.berth.runtime.seccomp.SeccompArch;
import dev.berth.runtime.seccomp.SeccompCompiler;
import dev.berth.runtime.seccomp.SeccompException;
import dev.berth.runtime.security.CapSets;
import dev.berth.runtime.security.Capabilities;
import dev.berth.runtime.security.ProcessSecurity;
import dev.berth.runtime.security.Rlimit;
import dev.berth.runtime.stage.Program;
import dev.berth.runtime.stage.Protocol;
import dev.berth.runtime.stage.StageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The spec's {@code process} (and seccomp filter) as the stage's {@link ProcessSpec}. */
final class BundleProcess {
    private static final long PER_LINUX32 = 0x0008;

    private BundleProcess() {}

    /**
     * A stage failure as runc words it. The command is looked up before the container is
     * reported created, so a missing one fails create with runc's text, which callers match:
     * podman maps "executable file not found" and "no such file or directory" to 127 and
     * "permission denied" to 126.
     */
    static String startError(StageException e, Program program) {
        boolean exec = program != null && e.step() >= 0 && e.step() < program.records().size()
            && program.records().get(e.step()).op() == Protocol.OP_EXEC;
        if (!exec) {
            return e.getMessage();
        }
        String cmd = e.detail();
        String why;
        if (e.errno() == Errno.ENOENT) {
            why = cmd.contains("/") ? "stat " + cmd + ": no such file or directory" : "executable file not found in $PATH";
        } else {
            why = Errno.describe(e.errno());
        }
        return "unable to start container process: exec: \"" + cmd + "\": " + why;
    }

    static ProcessSpec of(OciSpec spec, List<String> warnings) throws OciSpecException {
        return of(spec, spec.process(), warnings);
    }

    /** {@code p} run in the container of {@code spec} (an exec): the container's seccomp filter applies. */
    static ProcessSpec of(OciSpec spec, OciProcess p, List<String> warnings) throws OciSpecException {
        List<Integer> groups = new ArrayList<>();
        for (long g : p.user().additionalGids()) {
            groups.add((int) g);
        }
        long rows = p.consoleSize() != null ? p.consoleSize().height() : 24;
        long cols = p.consoleSize() != null ? p.consoleSize().width() : 80;
        List<String> env = withHome(p.env(), spec.root().path(), p.user().uid());
        return new ProcessSpec(p.args(), env, p.cwd().isEmpty() ? "/" : p.cwd(), (int) p.user().uid(),
            (int) p.user().gid(), groups, p.terminal(), false, false, (int) rows, (int) cols,
            security(spec, p, warnings));
    }

    /**
     * runc sets HOME when the spec's environment has none: the home of the process's uid in the
     * container's /etc/passwd, else "/". containerd and Kubernetes rely on that (their specs
     * carry no HOME); podman sets it itself.
     */
    static List<String> withHome(List<String> env, Path rootfs, long uid) {
        for (String e : env) {
            if (e.startsWith("HOME=")) {
                return env;
            }
        }
        String home = "/";
        try {
            for (String line : Files.readAllLines(RootfsPath.resolve(rootfs, "/etc/passwd"))) {
                String[] f = line.split(":", -1);
                if (f.length >= 6 && f[2].equals(Long.toString(uid))) {
                    home = f[5].isEmpty() ? "/" : f[5];
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no or unreadable /etc/passwd: runc's default
        }
        List<String> out = new ArrayList<>(env);
        out.add("HOME=" + home);
        return out;
    }

    private static ProcessSecurity security(OciSpec spec, OciProcess p, List<String> warnings)
        throws OciSpecException {
        CapSets caps = null;
        if (p.capabilities() != null) {
            long host = Capabilities.hostBounding();
            OciProcess.Capabilities c = p.capabilities();
            long bounding = mask(c.bounding());
            long missing = bounding & ~host;
            if (missing != 0) {
                warnings.add("the host's bounding set lacks " + String.join(", ", Capabilities.names(missing))
                    + ": left out of the container's capabilities");
            }
            long permitted = mask(c.permitted()) & host;
            long inheritable = mask(c.inheritable()) & host;
            long ambient = mask(c.ambient()) & host;
            // the kernel raises an ambient capability only if it is permitted and inheritable;
            // runc 1.1's default spec asks for ambient ones without, and runc 1.2 drops them too
            long unraisable = ambient & ~(permitted & inheritable);
            if (unraisable != 0) {
                warnings.add("ambient capabilities " + String.join(", ", Capabilities.names(unraisable))
                    + " are not both permitted and inheritable: left out");
            }
            caps = new CapSets(bounding & host, mask(c.effective()) & host, permitted, inheritable,
                ambient & ~unraisable);
        } else {
            caps = new CapSets(0, 0, 0, 0, 0); // runc: no capabilities object means none
        }
        List<Rlimit> rlimits = new ArrayList<>();
        for (OciProcess.Rlimit r : p.rlimits()) {
            rlimits.add(new Rlimit(r.resource(), r.soft(), r.hard()));
        }
        byte[] filter = null;
        int flags = 0;
        if (spec.linux().seccomp() != null) {
            try {
                Seccomp model = Seccomp.fromOci(spec.linux().seccomp());
                filter = SeccompCompiler.compile(model, SeccompArch.host());
                flags = SeccompCompiler.flags(model);
            } catch (SeccompException e) {
                throw new OciSpecException("config.json: linux.seccomp: " + e.getMessage());
            }
        }
        Long personality = null;
        if (spec.linux().personality() != null) {
            personality = spec.linux().personality().domain().equals("LINUX32") ? PER_LINUX32 : 0L;
        }
        int umask = p.user().umask() != null ? (int) (long) p.user().umask() : 022;
        return new ProcessSecurity(caps, p.noNewPrivileges(), filter, flags, rlimits, p.oomScoreAdj(), personality,
            umask);
    }

    private static long mask(List<String> names) {
        long m = 0;
        for (String n : names) {
            int c = Capabilities.number(n);
            if (c >= 0) {
                m |= 1L << c;
            }
        }
        return m;
    }
}
