package dev.berth.runtime.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The runtime-spec's rules and runc's on top of them, checked on parsed records before anything
 * is created. The first problem found is reported; the order is fixed (version, root, process,
 * namespaces and ids, hostname, mounts, hooks, annotations, the rest of linux, then what berth
 * does not support), so one config always gets the same message.
 */
final class OciValidator {
    /** Sysctls the kernel keeps per IPC namespace (with fs.mqueue.*), as runc lists them. */
    private static final List<String> IPC_SYSCTLS = List.of("kernel.msgmax", "kernel.msgmnb",
        "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
        "kernel.shm_rmid_forced");
    private static final List<String> PROPAGATIONS = List.of("shared", "slave", "private",
        "unbindable", "rshared", "rslave", "rprivate", "runbindable");
    private static final List<String> DEVICE_TYPES = List.of("c", "b", "u", "p");
    private static final List<String> CLOCKS = List.of("boottime", "monotonic");
    private static final List<String> PERSONALITIES = List.of("LINUX", "LINUX32");
    private static final String BIND_FIX = "add \"bind\" or \"rbind\" to its options";
    private static final String BOTH_MAPS = "an id-mapped mount needs uidMappings and gidMappings";

    final OciParser p;

    OciValidator(OciParser parser) {
        this.p = parser;
    }

    void spec(OciSpec s) throws OciSpecException {
        if (!isVersion1(s.ociVersion())) {
            throw p.error("ociVersion", quote(s.ociVersion())
                + " is not a 1.x.y version (berth-runtime implements " + OciSpec.VERSION + ")");
        }
        root(s.root());
        if (s.process() != null) {
            new ProcessChecks(this).process(s.process(), "process.");
        }
        OciLinux l = s.linux();
        namespaces(l);
        ids(l, s.process());
        if (!s.hostname().isEmpty() && !l.has("uts")) {
            throw p.error("hostname", needs("a", "uts"));
        }
        if (!s.domainname().isEmpty() && !l.has("uts")) {
            throw p.error("domainname", needs("a", "uts"));
        }
        for (int i = 0; i < s.mounts().size(); i++) {
            mount(s.mounts().get(i), "mounts[" + i + "]", l);
        }
        for (String name : OciNames.HOOKS) {
            List<OciHooks.Hook> hooks = s.hooks().named(name);
            for (int i = 0; i < hooks.size(); i++) {
                hook(hooks.get(i), "hooks." + name + "[" + i + "]");
            }
        }
        if (s.annotations().containsKey("")) {
            throw p.error("annotations", "has an empty key");
        }
        linux(l);
        OciSupport.check(s, p);
    }

    private void root(OciSpec.Root r) throws OciSpecException {
        if (r == null) {
            throw p.error("root", "is missing (set root.path to the root filesystem's directory)");
        }
        if (r.path() == null) {
            throw p.error("root.path", "is missing (name the root filesystem's directory)");
        }
        if (!Files.exists(r.path())) {
            throw p.error("root.path", quote(r.path().toString()) + " does not exist");
        }
        if (!Files.isDirectory(r.path())) {
            throw p.error("root.path", quote(r.path().toString()) + " is not a directory");
        }
    }

    private void namespaces(OciLinux l) throws OciSpecException {
        List<OciNamespace> nss = l.namespaces();
        for (int i = 0; i < nss.size(); i++) {
            OciNamespace ns = nss.get(i);
            String at = "linux.namespaces[" + i + "]";
            if (ns.kind() == null) {
                throw p.error(at + ".type", quote(ns.type()) + " is not a namespace type (use "
                    + String.join(", ", OciNames.NAMESPACES) + ")");
            }
            for (int j = 0; j < i; j++) {
                if (nss.get(j).type().equals(ns.type())) {
                    throw p.error(at + ".type", quote(ns.type()) + " is given twice");
                }
            }
            if (ns.joins()) {
                joinable(ns, at + ".path");
            }
        }
        OciNamespace mnt = l.namespace("mount");
        if (mnt == null) {
            throw p.error("linux.namespaces", "has no mount namespace (berth-runtime sets up the root"
                + " filesystem in a new one: add {\"type\": \"mount\"})");
        }
        if (mnt.joins()) {
            throw p.error("linux.namespaces[" + nss.indexOf(mnt) + "].path", "cannot join a mount namespace"
                + " (berth-runtime sets up the root filesystem in a new one: remove the path)");
        }
    }

    /** The file must exist and, when it is a /proc/PID/ns link, be a namespace of the right type. */
    private void joinable(OciNamespace ns, String at) throws OciSpecException {
        absolute(ns.path(), at);
        Path file = Path.of(ns.path());
        if (!Files.exists(file)) {
            throw p.error(at, quote(ns.path()) + " does not exist");
        }
        if (!Files.isSymbolicLink(file)) {
            return; // a bind-mounted namespace file, as ip netns makes: the kernel checks its type
        }
        String target;
        try {
            target = Files.readSymbolicLink(file).toString();
        } catch (IOException e) {
            return;
        }
        int colon = target.indexOf(":[");
        String procName = ns.kind().procName();
        if (colon > 0 && !target.substring(0, colon).equals(procName)) {
            String actual = target.substring(0, colon);
            for (dev.berth.linux.NsKind k : dev.berth.linux.NsKind.values()) {
                if (k.procName().equals(actual)) {
                    actual = OciNames.nsType(k);
                }
            }
            throw p.error(at, quote(ns.path()) + " is a namespace of type " + actual + ", not " + ns.type());
        }
    }

    private void ids(OciLinux l, OciProcess proc) throws OciSpecException {
        if (!l.has("user")) {
            if (!l.uidMappings().isEmpty()) {
                throw p.error("linux.uidMappings", needs("a", "user"));
            }
            if (!l.gidMappings().isEmpty()) {
                throw p.error("linux.gidMappings", needs("a", "user"));
            }
        } else if (l.creates("user")) {
            // a joined user namespace has its own mappings: any given here are not written
            mappings(l.uidMappings(), "linux.uidMappings", "uid");
            mappings(l.gidMappings(), "linux.gidMappings", "gid");
            if (proc != null) {
                OciProcess.User u = proc.user();
                mapped(l.uidMappings(), u.uid(), "process.user.uid", "linux.uidMappings");
                mapped(l.gidMappings(), u.gid(), "process.user.gid", "linux.gidMappings");
                for (int i = 0; i < u.additionalGids().size(); i++) {
                    mapped(l.gidMappings(), u.additionalGids().get(i), "process.user.additionalGids[" + i + "]",
                        "linux.gidMappings");
                }
            }
        }
        if (!l.timeOffsets().isEmpty()) {
            OciNamespace time = l.namespace("time");
            if (time == null) {
                throw p.error("linux.timeOffsets", needs("a", "time"));
            }
            if (time.joins()) {
                throw p.error("linux.timeOffsets", "cannot change a joined time namespace (remove the offsets"
                    + " or linux.namespaces[" + l.namespaces().indexOf(time) + "].path)");
            }
            for (Map.Entry<String, OciLinux.TimeOffset> e : l.timeOffsets().entrySet()) {
                String at = "linux.timeOffsets." + e.getKey();
                if (!CLOCKS.contains(e.getKey())) {
                    throw p.error(at, "is not a clock a time namespace can offset (use "
                        + String.join(", ", CLOCKS) + ")");
                }
                if (e.getValue().nanosecs() >= 1_000_000_000L) {
                    throw p.error(at + ".nanosecs", "must be below 1000000000 (put whole seconds in secs)");
                }
            }
        }
    }

    private void mappings(List<OciIdMapping> maps, String at, String what) throws OciSpecException {
        if (maps.isEmpty()) {
            throw p.error(at, "is missing (a new user namespace needs uid and gid mappings)");
        }
        sizes(maps, at);
        for (OciIdMapping m : maps) {
            if (m.maps(0)) {
                return;
            }
        }
        throw p.error(at, "does not map " + what + " 0 (the new user namespace needs a root, as in runc)");
    }

    private void sizes(List<OciIdMapping> maps, String at) throws OciSpecException {
        for (int i = 0; i < maps.size(); i++) {
            if (maps.get(i).size() == 0) {
                throw p.error(at + "[" + i + "].size", "must be at least 1");
            }
        }
    }

    private void mapped(List<OciIdMapping> maps, long id, String field, String mapsAt) throws OciSpecException {
        for (OciIdMapping m : maps) {
            if (m.maps(id)) {
                return;
            }
        }
        throw p.error(field, id + " is not mapped by " + mapsAt);
    }

    private void mount(OciMount m, String at, OciLinux l) throws OciSpecException {
        nul(m.destination(), at + ".destination");
        nul(m.source(), at + ".source");
        nul(m.type(), at + ".type");
        absolute(m.destination(), at + ".destination");
        MountOptions o = m.parsedOptions();
        boolean mapped = !m.uidMappings().isEmpty() || !m.gidMappings().isEmpty();
        if (mapped && !o.isBind()) {
            throw p.error(at, "has id mappings but is not a bind mount (" + BIND_FIX + ")");
        }
        if (o.idmap() && !o.isBind()) {
            throw p.error(at, "option \"" + (o.idmapRecursive() ? "ridmap" : "idmap")
                + "\" needs a bind mount (" + BIND_FIX + ")");
        }
        if (mapped) {
            if (m.uidMappings().isEmpty()) {
                throw p.error(at + ".uidMappings", "is missing (" + BOTH_MAPS + ")");
            }
            if (m.gidMappings().isEmpty()) {
                throw p.error(at + ".gidMappings", "is missing (" + BOTH_MAPS + ")");
            }
            sizes(m.uidMappings(), at + ".uidMappings");
            sizes(m.gidMappings(), at + ".gidMappings");
        } else if (o.idmap() && !l.has("user")) {
            throw p.error(at, "option \"" + (o.idmapRecursive() ? "ridmap" : "idmap")
                + "\" needs uidMappings and gidMappings or a user namespace to take them from");
        }
    }

    private void hook(OciHooks.Hook h, String at) throws OciSpecException {
        absolute(h.path(), at + ".path");
        nul(h.path(), at + ".path");
        noNul(h.args(), at + ".args");
        noNul(h.env(), at + ".env");
        if (h.timeout() != null && h.timeout() <= 0) {
            throw p.error(at + ".timeout", "must be greater than zero");
        }
    }

    private void linux(OciLinux l) throws OciSpecException {
        for (int i = 0; i < l.devices().size(); i++) {
            OciDevice d = l.devices().get(i);
            String at = "linux.devices[" + i + "]";
            if (!DEVICE_TYPES.contains(d.type())) {
                throw p.error(at + ".type", quote(d.type()) + " is not a device type (use "
                    + String.join(", ", DEVICE_TYPES) + ")");
            }
            absolute(d.path(), at + ".path");
            if (d.major() < 0 || d.minor() < 0) {
                throw p.error(at + (d.major() < 0 ? ".major" : ".minor"), "must not be negative");
            }
        }
        if (!l.rootfsPropagation().isEmpty() && !PROPAGATIONS.contains(l.rootfsPropagation())) {
            throw p.error("linux.rootfsPropagation", quote(l.rootfsPropagation())
                + " is not a propagation (use " + String.join(", ", PROPAGATIONS) + ")");
        }
        for (String key : l.sysctl().keySet()) {
            sysctl(key, l);
        }
        paths(l.maskedPaths(), "linux.maskedPaths");
        paths(l.readonlyPaths(), "linux.readonlyPaths");
        if (l.personality() != null && !PERSONALITIES.contains(l.personality().domain())) {
            throw p.error("linux.personality.domain", quote(l.personality().domain())
                + " is not a personality (use " + String.join(", ", PERSONALITIES) + ")");
        }
    }

    /**
     * runc's rule: only what the kernel keeps per namespace, and only when the container has
     * that namespace; a net.* sysctl must not land in the runtime's own network namespace.
     */
    private void sysctl(String written, OciLinux l) throws OciSpecException {
        String key = dotted(written);
        String at = "linux.sysctl";
        if (IPC_SYSCTLS.contains(key) || key.startsWith("fs.mqueue.")) {
            if (!l.has("ipc")) {
                throw p.error(at, quote(written) + " " + needs("an", "ipc"));
            }
            return;
        }
        if (key.startsWith("net.")) {
            OciNamespace net = l.namespace("network");
            if (net == null) {
                throw p.error(at, quote(written) + " " + needs("a", "network"));
            }
            if (net.joins() && isRuntimeNetns(net.path())) {
                throw p.error(at, quote(written) + " would change the host: linux.namespaces["
                    + l.namespaces().indexOf(net) + "].path is the runtime's own network namespace");
            }
            return;
        }
        if (l.has("uts") && key.equals("kernel.domainname")) {
            return;
        }
        if (l.has("uts") && key.equals("kernel.hostname")) {
            throw p.error(at, quote(written) + " conflicts with the hostname field (set hostname instead)");
        }
        throw p.error(at, quote(written) + " is not namespaced: it would change the host (remove it)");
    }

    /**
     * sysctl(8) also takes slashes for dots; when the first separator is a slash, dots and
     * slashes swap, so that an interface name with a dot ("eno2.100") survives.
     */
    static String dotted(String key) {
        int slash = key.indexOf('/');
        int dot = key.indexOf('.');
        if (slash < 0 || (dot >= 0 && dot < slash)) {
            return key;
        }
        char[] c = key.toCharArray();
        for (int i = 0; i < c.length; i++) {
            c[i] = c[i] == '/' ? '.' : c[i] == '.' ? '/' : c[i];
        }
        return new String(c);
    }

    private boolean isRuntimeNetns(String path) throws OciSpecException {
        try {
            Path own = Path.of("/proc/self/ns/net");
            Path other = Path.of(path);
            return Files.getAttribute(own, "unix:dev").equals(Files.getAttribute(other, "unix:dev"))
                && Files.getAttribute(own, "unix:ino").equals(Files.getAttribute(other, "unix:ino"));
        } catch (IOException | UnsupportedOperationException e) {
            throw p.error("linux.sysctl", "cannot be checked: " + path + ": " + e.getMessage());
        }
    }

    /** "needs a uts namespace (add {"type": "uts"} to linux.namespaces)" */
    private static String needs(String article, String type) {
        return "needs " + article + " " + type + " namespace (add {\"type\": \"" + type
            + "\"} to linux.namespaces)";
    }

    private void paths(List<String> paths, String at) throws OciSpecException {
        for (int i = 0; i < paths.size(); i++) {
            absolute(paths.get(i), at + "[" + i + "]");
        }
    }

    void absolute(String path, String at) throws OciSpecException {
        if (!path.startsWith("/")) {
            throw p.error(at, quote(path) + " is not an absolute path");
        }
    }

    void noNul(List<String> values, String at) throws OciSpecException {
        for (int i = 0; i < values.size(); i++) {
            nul(values.get(i), at + "[" + i + "]");
        }
    }

    /** The kernel takes C strings: a NUL would silently cut the value short. */
    void nul(String value, String at) throws OciSpecException {
        if (value.indexOf('\0') >= 0) {
            throw p.error(at, "contains a NUL character");
        }
    }

    /** MAJOR.MINOR.PATCH with major 1, optionally followed by -pre-release or +build. */
    static boolean isVersion1(String v) {
        if (!v.startsWith("1.")) {
            return false;
        }
        int i = 2;
        int start = i;
        while (i < v.length() && Character.isDigit(v.charAt(i))) {
            i++;
        }
        if (i == start || i >= v.length() || v.charAt(i) != '.') {
            return false;
        }
        start = ++i;
        while (i < v.length() && Character.isDigit(v.charAt(i))) {
            i++;
        }
        if (i == start) {
            return false;
        }
        return i == v.length() || ((v.charAt(i) == '-' || v.charAt(i) == '+') && i + 1 < v.length());
    }

    /** A value in double quotes, escaped as JSON would be, so control characters stay visible. */
    static String quote(String s) {
        return dev.berth.runtime.json.Json.compact(s);
    }
}
