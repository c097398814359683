package dev.berth.engine;

import dev.berth.linux.NsKind;
import dev.berth.runtime.NamespaceMode;
import dev.berth.runtime.security.CapSets;
import dev.berth.runtime.security.Capabilities;
import dev.berth.runtime.security.ProcessSecurity;
import dev.berth.runtime.security.Rlimit;
import dev.berth.runtime.seccomp.DockerProfile;
import dev.berth.runtime.seccomp.Seccomp;
import dev.berth.runtime.seccomp.SeccompArch;
import dev.berth.runtime.seccomp.SeccompCompiler;
import dev.berth.runtime.seccomp.SeccompException;
import dev.berth.runtime.seccomp.SeccompProfiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * docker's security defaults and their options, resolved for one container: the capability
 * sets, no_new_privs, rlimits and which sysctls are allowed. Warnings (what berth did
 * differently from what was asked, and why) are collected for the caller to print.
 */
final class Confinement {
    /** IPC-namespaced sysctls (docker's list); {@code fs.mqueue.*} too. */
    private static final List<String> IPC_SYSCTLS = List.of("kernel.msgmax", "kernel.msgmnb",
        "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
        "kernel.shm_rmid_forced");

    final List<String> warnings = new ArrayList<>();
    SeccompCache cache;
    boolean noNewPrivileges;
    boolean seccompUnconfined;
    String seccompProfile;
    boolean systemPathsUnconfined;

    /** Parses the --security-opt values. */
    Confinement(List<String> securityOpts) throws EngineException {
        for (String opt : securityOpts) {
            int eq = opt.indexOf('=');
            if (eq < 0) {
                eq = opt.indexOf(':'); // docker's older "no-new-privileges:true" form
            }
            String key = eq < 0 ? opt : opt.substring(0, eq);
            String value = eq < 0 ? "" : opt.substring(eq + 1);
            switch (key) {
                case "no-new-privileges" -> noNewPrivileges = !value.equals("false");
                case "seccomp" -> {
                    if (value.isEmpty()) {
                        throw invalid(opt, "give seccomp=unconfined or seccomp=PROFILE.json");
                    }
                    seccompUnconfined = value.equals("unconfined");
                    seccompProfile = seccompUnconfined ? null : value;
                }
                case "systempaths" -> {
                    if (!value.equals("unconfined")) {
                        throw invalid(opt, "the only value is systempaths=unconfined");
                    }
                    systemPathsUnconfined = true;
                }
                case "apparmor", "label" -> warnings.add("--security-opt " + opt
                    + " ignored: berth does not use AppArmor or SELinux yet");
                default -> throw invalid(opt, "use no-new-privileges, seccomp=unconfined|FILE or systempaths=unconfined");
            }
        }
    }

    private static EngineException invalid(String opt, String fix) {
        return new EngineException.InvalidArgument("invalid --security-opt \"" + opt + "\": " + fix);
    }

    /**
     * docker's capability rules: the default set, or all with --privileged; {@code ALL} in
     * --cap-drop starts from none, in --cap-add from all. berth cannot give what its own
     * bounding set lacks: asked for by name that is an error, implied by --privileged or ALL a
     * warning (where docker fails with "unable to apply caps").
     */
    long capabilities(boolean privileged, List<String> add, List<String> drop) throws EngineException {
        long all = (1L << Capabilities.all().size()) - 1;
        long added;
        long dropped;
        long caps;
        try {
            added = Capabilities.mask(without(add, "ALL"));
            dropped = Capabilities.mask(without(drop, "ALL"));
            if (privileged) {
                caps = all;
            } else if (has(add, "ALL")) {
                caps = all & ~dropped;
            } else if (has(drop, "ALL")) {
                caps = added;
            } else {
                caps = (Capabilities.mask(Capabilities.DOCKER_DEFAULT) | added) & ~dropped;
            }
        } catch (IllegalArgumentException e) {
            throw new EngineException.InvalidArgument(e.getMessage());
        }
        long host = Capabilities.hostBounding();
        long missing = caps & ~host;
        if (missing == 0) {
            return caps;
        }
        long named = privileged ? 0 : added & missing;
        if (named != 0) {
            throw new EngineException.PermissionDenied("cannot add " + String.join(", ", Capabilities.names(named))
                + ": berth itself runs without it (the host or a sandbox removed it from the bounding set);"
                + " drop it from --cap-add");
        }
        warnings.add("the host's capability bounding set lacks " + String.join(", ", Capabilities.names(missing))
            + "; the container gets every other capability");
        return caps & host;
    }

    /** The process's privileges: capabilities, no_new_privs, rlimits and (unless unconfined or privileged) seccomp. */
    ProcessSecurity process(long caps, boolean privileged, List<String> ulimits) throws EngineException {
        List<Rlimit> rlimits = new ArrayList<>();
        for (String u : ulimits) {
            try {
                rlimits.add(Rlimit.parseUlimit(u));
            } catch (IllegalArgumentException e) {
                throw new EngineException.InvalidArgument(e.getMessage());
            }
        }
        byte[] filter = null;
        int flags = 0;
        String key = null;
        if (!seccompUnconfined && !privileged && seccompProfile == null && cache != null) {
            key = SeccompCache.key(caps, SeccompArch.host().dockerName(), System.getProperty("os.version"));
            Object[] hit = cache.get(key);
            if (hit != null) {
                return new ProcessSecurity(CapSets.of(caps), noNewPrivileges, (byte[]) hit[1], (Integer) hit[0],
                    rlimits, null, null, 022);
            }
        }
        if (!seccompUnconfined && !privileged) {
            try {
                DockerProfile profile = seccompProfile == null ? SeccompProfiles.defaultProfile()
                    : SeccompProfiles.parse(Files.readString(Path.of(seccompProfile)));
                Seccomp model = SeccompProfiles.resolve(profile, new HashSet<>(Capabilities.names(caps)),
                    SeccompArch.host().dockerName(), System.getProperty("os.version"));
                filter = SeccompCompiler.compile(model, SeccompArch.host());
                flags = SeccompCompiler.flags(model);
                if (key != null) {
                    cache.put(key, flags, filter);
                }
            } catch (IOException e) {
                throw new EngineException.InvalidArgument("cannot read the seccomp profile " + seccompProfile
                    + ": " + e.getMessage());
            } catch (SeccompException e) {
                throw new EngineException.InvalidArgument("seccomp profile " + (seccompProfile == null ? "(default)"
                    : seccompProfile) + ": " + e.getMessage());
            }
        }
        return new ProcessSecurity(CapSets.of(caps), noNewPrivileges, filter, flags, rlimits, null, null, 022);
    }

    /** An exec gets the container's capabilities and no_new_privs, re-derived from its HostConfig. */
    @SuppressWarnings("unchecked")
    static ProcessSecurity forExec(Map<String, Object> host) throws EngineException {
        if (host == null || !host.containsKey("CapAdd")) {
            return ProcessSecurity.NONE; // made by a berth before capabilities were recorded
        }
        Confinement c = new Confinement(strings(host.get("SecurityOpt")));
        long caps = c.capabilities(Boolean.TRUE.equals(host.get("Privileged")), strings(host.get("CapAdd")),
            strings(host.get("CapDrop")));
        return c.process(caps, Boolean.TRUE.equals(host.get("Privileged")), List.of());
    }

    private static List<String> strings(Object list) {
        List<String> out = new ArrayList<>();
        if (list instanceof List<?> l) {
            for (Object o : l) {
                out.add(String.valueOf(o));
            }
        }
        return out;
    }

    /**
     * Only sysctls of namespaces the container owns: anything else would change the host
     * (docker's rules).
     */
    static void checkSysctls(Map<String, String> sysctls, Map<NsKind, NamespaceMode> ns) throws EngineException {
        for (String key : sysctls.keySet()) {
            NsKind needs;
            if (key.startsWith("net.")) {
                needs = NsKind.NET;
            } else if (IPC_SYSCTLS.contains(key) || key.startsWith("fs.mqueue.")) {
                needs = NsKind.IPC;
            } else if (key.equals("kernel.domainname")) {
                needs = NsKind.UTS;
            } else if (key.equals("kernel.hostname")) {
                throw new EngineException.InvalidArgument("sysctl kernel.hostname is not allowed: use --hostname");
            } else {
                throw new EngineException.InvalidArgument("sysctl \"" + key + "\" is not allowed: it is not"
                    + " namespaced and would change the host (allowed: net.*, fs.mqueue.*, kernel.msg*,"
                    + " kernel.sem, kernel.shm*, kernel.domainname)");
            }
            if (!(ns.get(needs) instanceof NamespaceMode.Private)) {
                throw new EngineException.InvalidArgument("sysctl \"" + key + "\" needs a private "
                    + needs.procName() + " namespace, and this container shares one; drop the sysctl or the --"
                    + (needs == NsKind.NET ? "network" : needs.procName()) + " option");
            }
        }
    }

    private static boolean has(List<String> caps, String name) {
        for (String c : caps) {
            if (c.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> without(List<String> caps, String name) {
        List<String> out = new ArrayList<>();
        for (String c : caps) {
            if (!c.equalsIgnoreCase(name)) {
                out.add(c);
            }
        }
        return out;
    }
}
