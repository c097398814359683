package dev.berth.runtime.oci;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns parsed JSON into the records, checking only the JSON: types, required members and the
 * ranges of the spec's integer types. What the values mean is {@link OciValidator}'s job.
 * Unknown members are ignored, as the runtime-spec requires; null reads as absent, as in Go.
 */
final class OciParser {
    private static final long UINT32_MAX = 0xffff_ffffL;

    private final String source;

    /** @param source the file name errors start with, e.g. "config.json" */
    OciParser(String source) {
        this.source = source;
    }

    OciSpecException error(String path, String problem) {
        return new OciSpecException(source + ": " + path + " " + problem);
    }

    OciSpec spec(Map<String, Object> doc, Path bundle) throws OciSpecException {
        Object version = doc.get("ociVersion");
        if (version == null) {
            throw error("ociVersion", "is missing (set it to \"" + OciSpec.VERSION + "\")");
        }
        String ociVersion = string(version, "ociVersion");
        Map<String, Object> p = object(doc, "process", "process");
        Map<String, Object> r = object(doc, "root", "root");
        Map<String, Object> h = object(doc, "hooks", "hooks");
        Map<String, Object> l = object(doc, "linux", "linux");
        return new OciSpec(ociVersion,
            p == null ? null : process(p, "process."),
            r == null ? null : root(r, bundle),
            string(doc, "hostname", "hostname"),
            string(doc, "domainname", "domainname"),
            mounts(doc, bundle),
            h == null ? OciHooks.NONE : hooks(h),
            stringMap(doc, "annotations", "annotations"),
            l == null ? OciLinux.NONE : linux(l),
            bundle);
    }

    private OciSpec.Root root(Map<String, Object> r, Path bundle) throws OciSpecException {
        String path = string(r, "path", "root.path");
        // an empty path is kept empty so that the validator can say it is missing
        Path resolved = path.isEmpty() ? null : bundle.resolve(path).normalize();
        return new OciSpec.Root(resolved, bool(r, "readonly", "root.readonly"));
    }

    /** @param p the path prefix of the members: "process." in config.json, "" in process.json */
    OciProcess process(Map<String, Object> m, String p) throws OciSpecException {
        Map<String, Object> cs = object(m, "consoleSize", p + "consoleSize");
        Map<String, Object> u = object(m, "user", p + "user");
        Map<String, Object> c = object(m, "capabilities", p + "capabilities");
        Map<String, Object> io = object(m, "ioPriority", p + "ioPriority");
        Map<String, Object> s = object(m, "scheduler", p + "scheduler");
        Map<String, Object> a = object(m, "execCPUAffinity", p + "execCPUAffinity");
        Long oom = integer(m, "oomScoreAdj", p + "oomScoreAdj", -1000, 1000);
        return new OciProcess(
            bool(m, "terminal", p + "terminal"),
            cs == null ? null : new OciProcess.ConsoleSize(
                uint64(required(cs, "height", p + "consoleSize.height"), p + "consoleSize.height"),
                uint64(required(cs, "width", p + "consoleSize.width"), p + "consoleSize.width")),
            u == null ? OciProcess.User.ROOT : user(u, p + "user."),
            strings(m, "args", p + "args"),
            string(m, "commandLine", p + "commandLine"),
            strings(m, "env", p + "env"),
            string(m, "cwd", p + "cwd"),
            c == null ? null : new OciProcess.Capabilities(
                strings(c, "bounding", p + "capabilities.bounding"),
                strings(c, "effective", p + "capabilities.effective"),
                strings(c, "inheritable", p + "capabilities.inheritable"),
                strings(c, "permitted", p + "capabilities.permitted"),
                strings(c, "ambient", p + "capabilities.ambient")),
            rlimits(m, p + "rlimits"),
            bool(m, "noNewPrivileges", p + "noNewPrivileges"),
            string(m, "apparmorProfile", p + "apparmorProfile"),
            string(m, "selinuxLabel", p + "selinuxLabel"),
            oom == null ? null : Integer.valueOf(oom.intValue()),
            io == null ? null : ioPriority(io, p + "ioPriority."),
            s == null ? null : scheduler(s, p + "scheduler."),
            a == null ? null : new OciProcess.CpuAffinity(
                string(a, "initial", p + "execCPUAffinity.initial"),
                string(a, "final", p + "execCPUAffinity.final")));
    }

    private OciProcess.User user(Map<String, Object> u, String p) throws OciSpecException {
        List<Long> groups = new ArrayList<>();
        List<Object> gs = array(u, "additionalGids", p + "additionalGids");
        for (int i = 0; i < gs.size(); i++) {
            groups.add(uint32(gs.get(i), p + "additionalGids[" + i + "]"));
        }
        Long umask = optional(u, "umask") ? uint32(u.get("umask"), p + "umask") : null;
        return new OciProcess.User(
            optional(u, "uid") ? uint32(u.get("uid"), p + "uid") : 0,
            optional(u, "gid") ? uint32(u.get("gid"), p + "gid") : 0,
            umask, groups, string(u, "username", p + "username"));
    }

    private List<OciProcess.Rlimit> rlimits(Map<String, Object> m, String p) throws OciSpecException {
        List<Object> raw = array(m, "rlimits", p);
        List<OciProcess.Rlimit> out = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            String at = p + "[" + i + "]";
            Map<String, Object> r = object(raw.get(i), at);
            out.add(new OciProcess.Rlimit(
                string(required(r, "type", at + ".type"), at + ".type"),
                uint64(required(r, "hard", at + ".hard"), at + ".hard"),
                uint64(required(r, "soft", at + ".soft"), at + ".soft")));
        }
        return out;
    }

    private OciProcess.IoPriority ioPriority(Map<String, Object> m, String p) throws OciSpecException {
        Long prio = integer(m, "priority", p + "priority", Integer.MIN_VALUE, Integer.MAX_VALUE);
        return new OciProcess.IoPriority(string(required(m, "class", p + "class"), p + "class"),
            prio == null ? 0 : prio.intValue());
    }

    private OciProcess.Scheduler scheduler(Map<String, Object> m, String p) throws OciSpecException {
        Long nice = integer(m, "nice", p + "nice", Integer.MIN_VALUE, Integer.MAX_VALUE);
        Long prio = integer(m, "priority", p + "priority", Integer.MIN_VALUE, Integer.MAX_VALUE);
        return new OciProcess.Scheduler(
            string(required(m, "policy", p + "policy"), p + "policy"),
            nice == null ? 0 : nice.intValue(),
            prio == null ? 0 : prio.intValue(),
            strings(m, "flags", p + "flags"),
            optional(m, "runtime") ? uint64(m.get("runtime"), p + "runtime") : 0,
            optional(m, "deadline") ? uint64(m.get("deadline"), p + "deadline") : 0,
            optional(m, "period") ? uint64(m.get("period"), p + "period") : 0);
    }

    private List<OciMount> mounts(Map<String, Object> doc, Path bundle) throws OciSpecException {
        List<Object> raw = array(doc, "mounts", "mounts");
        List<OciMount> out = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            String at = "mounts[" + i + "]";
            Map<String, Object> m = object(raw.get(i), at);
            String destination = string(required(m, "destination", at + ".destination"),
                at + ".destination");
            List<String> options = strings(m, "options", at + ".options");
            String source = string(m, "source", at + ".source");
            if (!source.isEmpty() && source.charAt(0) != '/' && MountOptions.parse(options).isBind()) {
                // runc resolves a relative bind source against the bundle, its working directory
                source = bundle.resolve(source).normalize().toString();
            }
            out.add(new OciMount(destination, source, string(m, "type", at + ".type"), options,
                idMappings(m, "uidMappings", at + ".uidMappings"),
                idMappings(m, "gidMappings", at + ".gidMappings")));
        }
        return out;
    }

    private OciHooks hooks(Map<String, Object> h) throws OciSpecException {
        return new OciHooks(hookList(h, "prestart"), hookList(h, "createRuntime"),
            hookList(h, "createContainer"), hookList(h, "startContainer"),
            hookList(h, "poststart"), hookList(h, "poststop"));
    }

    private List<OciHooks.Hook> hookList(Map<String, Object> h, String name) throws OciSpecException {
        List<Object> raw = array(h, name, "hooks." + name);
        List<OciHooks.Hook> out = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            String at = "hooks." + name + "[" + i + "]";
            Map<String, Object> m = object(raw.get(i), at);
            Long timeout = integer(m, "timeout", at + ".timeout", Integer.MIN_VALUE, Integer.MAX_VALUE);
            out.add(new OciHooks.Hook(string(required(m, "path", at + ".path"), at + ".path"),
                strings(m, "args", at + ".args"), strings(m, "env", at + ".env"),
                timeout == null ? null : Integer.valueOf(timeout.intValue())));
        }
        return out;
    }

    private OciLinux linux(Map<String, Object> l) throws OciSpecException {
        List<Object> rawNs = array(l, "namespaces", "linux.namespaces");
        List<OciNamespace> namespaces = new ArrayList<>(rawNs.size());
        for (int i = 0; i < rawNs.size(); i++) {
            String at = "linux.namespaces[" + i + "]";
            Map<String, Object> ns = object(rawNs.get(i), at);
            namespaces.add(new OciNamespace(string(required(ns, "type", at + ".type"), at + ".type"),
                string(ns, "path", at + ".path")));
        }
        Map<String, OciLinux.TimeOffset> offsets = new LinkedHashMap<>();
        Map<String, Object> rawOffsets = object(l, "timeOffsets", "linux.timeOffsets");
        if (rawOffsets != null) {
            for (Map.Entry<String, Object> e : rawOffsets.entrySet()) {
                String at = "linux.timeOffsets." + e.getKey();
                Map<String, Object> o = object(e.getValue(), at);
                Long secs = integer(o, "secs", at + ".secs", Long.MIN_VALUE, Long.MAX_VALUE);
                offsets.put(e.getKey(), new OciLinux.TimeOffset(secs == null ? 0 : secs,
                    optional(o, "nanosecs") ? uint32(o.get("nanosecs"), at + ".nanosecs") : 0));
            }
        }
        Map<String, Object> pers = object(l, "personality", "linux.personality");
        return new OciLinux(namespaces,
            idMappings(l, "uidMappings", "linux.uidMappings"),
            idMappings(l, "gidMappings", "linux.gidMappings"),
            offsets,
            devices(l),
            string(l, "cgroupsPath", "linux.cgroupsPath"),
            object(l, "resources", "linux.resources"),
            string(l, "rootfsPropagation", "linux.rootfsPropagation"),
            object(l, "seccomp", "linux.seccomp"),
            stringMap(l, "sysctl", "linux.sysctl"),
            strings(l, "maskedPaths", "linux.maskedPaths"),
            strings(l, "readonlyPaths", "linux.readonlyPaths"),
            string(l, "mountLabel", "linux.mountLabel"),
            pers == null ? null : new OciLinux.Personality(
                string(required(pers, "domain", "linux.personality.domain"), "linux.personality.domain"),
                strings(pers, "flags", "linux.personality.flags")),
            object(l, "intelRdt", "linux.intelRdt"),
            object(l, "netDevices", "linux.netDevices"));
    }

    private List<OciDevice> devices(Map<String, Object> l) throws OciSpecException {
        List<Object> raw = array(l, "devices", "linux.devices");
        List<OciDevice> out = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            String at = "linux.devices[" + i + "]";
            Map<String, Object> d = object(raw.get(i), at);
            String type = string(required(d, "type", at + ".type"), at + ".type");
            String path = string(required(d, "path", at + ".path"), at + ".path");
            long major = 0;
            long minor = 0;
            if (!type.equals("p")) {
                // major and minor are required unless it is a fifo
                major = int64(required(d, "major", at + ".major"), at + ".major");
                minor = int64(required(d, "minor", at + ".minor"), at + ".minor");
            }
            out.add(new OciDevice(type, path, major, minor,
                optional(d, "fileMode") ? uint32(d.get("fileMode"), at + ".fileMode") : null,
                optional(d, "uid") ? uint32(d.get("uid"), at + ".uid") : null,
                optional(d, "gid") ? uint32(d.get("gid"), at + ".gid") : null));
        }
        return out;
    }

    private List<OciIdMapping> idMappings(Map<String, Object> m, String key, String p)
        throws OciSpecException {
        List<Object> raw = array(m, key, p);
        List<OciIdMapping> out = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            String at = p + "[" + i + "]";
            Map<String, Object> e = object(raw.get(i), at);
            out.add(new OciIdMapping(
                uint32(required(e, "containerID", at + ".containerID"), at + ".containerID"),
                uint32(required(e, "hostID", at + ".hostID"), at + ".hostID"),
                uint32(required(e, "size", at + ".size"), at + ".size")));
        }
        return out;
    }

    // ---- typed access ----

    private static boolean optional(Map<String, Object> m, String key) {
        return m.get(key) != null;
    }

    private Object required(Map<String, Object> m, String key, String path) throws OciSpecException {
        Object v = m.get(key);
        if (v == null) {
            throw error(path, "is missing");
        }
        return v;
    }

    /** m[key] as an object, or null when absent. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> object(Map<String, Object> m, String key, String path)
        throws OciSpecException {
        Object v = m.get(key);
        return v == null ? null : object(v, path);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> object(Object v, String path) throws OciSpecException {
        if (v instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw error(path, "must be an object, not " + kind(v));
    }

    /** m[key] as an array, or an empty one when absent. */
    private List<Object> array(Map<String, Object> m, String key, String path) throws OciSpecException {
        Object v = m.get(key);
        if (v == null) {
            return List.of();
        }
        if (v instanceof List<?> list) {
            @SuppressWarnings("unchecked")
            List<Object> out = (List<Object>) list;
            return out;
        }
        throw error(path, "must be an array, not " + kind(v));
    }

    private List<String> strings(Map<String, Object> m, String key, String path) throws OciSpecException {
        List<Object> raw = array(m, key, path);
        List<String> out = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            out.add(string(raw.get(i), path + "[" + i + "]"));
        }
        return out;
    }

    /** m[key] as a string, or "" when absent. */
    private String string(Map<String, Object> m, String key, String path) throws OciSpecException {
        Object v = m.get(key);
        return v == null ? "" : string(v, path);
    }

    private String string(Object v, String path) throws OciSpecException {
        if (v instanceof String s) {
            if (s.indexOf('\0') >= 0) {
                // every string of a spec reaches the kernel as a C string, which a NUL would cut
                throw error(path, "contains a NUL character");
            }
            return s;
        }
        throw error(path, "must be a string, not " + kind(v));
    }

    private boolean bool(Map<String, Object> m, String key, String path) throws OciSpecException {
        Object v = m.get(key);
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw error(path, "must be true or false, not " + kind(v));
    }

    /** An object of strings, in document order; empty when absent. */
    private Map<String, String> stringMap(Map<String, Object> m, String key, String path)
        throws OciSpecException {
        Map<String, Object> raw = object(m, key, path);
        if (raw == null) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            out.put(e.getKey(), string(e.getValue(), path + "." + e.getKey()));
        }
        return out;
    }

    private long uint32(Object v, String path) throws OciSpecException {
        return whole(v, path, 0, UINT32_MAX, false);
    }

    /** An unsigned 64-bit value in a long's bits. */
    private long uint64(Object v, String path) throws OciSpecException {
        return whole(v, path, 0, Long.MAX_VALUE, true);
    }

    private long int64(Object v, String path) throws OciSpecException {
        return whole(v, path, Long.MIN_VALUE, Long.MAX_VALUE, false);
    }

    /** m[key] as an integer in [min, max], or null when absent. */
    private Long integer(Map<String, Object> m, String key, String path, long min, long max)
        throws OciSpecException {
        Object v = m.get(key);
        return v == null ? null : whole(v, path, min, max, false);
    }

    /**
     * An integer in [min, max], or with {@code uint64} in [0, 2^64-1] as a long's bits. Go
     * refuses a fraction or an exponent for an integer field, and so does this. The reader
     * makes a BigInteger only of what a long cannot hold.
     */
    private long whole(Object v, String path, long min, long max, boolean uint64)
        throws OciSpecException {
        if (v instanceof Integer || v instanceof Long) {
            long x = ((Number) v).longValue();
            if (x >= min && x <= max) {
                return x;
            }
        } else if (uint64 && v instanceof BigInteger b && b.signum() > 0 && b.bitLength() <= 64) {
            return b.longValue();
        }
        String got = v instanceof Number ? v.toString() : kind(v);
        String top = uint64 ? Long.toUnsignedString(-1) : Long.toString(max);
        throw error(path, "must be an integer from " + min + " to " + top + ", not " + got);
    }

    static String kind(Object v) {
        if (v == null) {
            return "null";
        } else if (v instanceof String) {
            return "a string";
        } else if (v instanceof Boolean) {
            return "a boolean";
        } else if (v instanceof Map) {
            return "an object";
        } else if (v instanceof List) {
            return "an array";
        }
        return "a number";
    }
}
