package dev.berth.runtime.seccomp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A seccomp profile in docker's format ({@code --security-opt seccomp=FILE}): runtime-spec's
 * fields plus {@code archMap}, {@code name} beside {@code names}, and per entry the
 * {@code includes} and {@code excludes} that {@link SeccompProfiles#resolve} decides with the
 * container's capabilities, architecture and kernel.
 *
 * @param architectures the profile's own {@code architectures}, used as they are
 * @param archMap for each native architecture, the ones its kernel also runs
 */
public record DockerProfile(SeccompAction defaultAction, int defaultErrnoRet, List<String> architectures,
                            List<ArchMap> archMap, int flags, List<Entry> syscalls) {

    /** One {@code archMap} entry: {@code SCMP_ARCH_*} names. */
    public record ArchMap(String architecture, List<String> subArchitectures) {}

    /** One {@code syscalls} entry: the rule, and when it applies. */
    public record Entry(Seccomp.Rule rule, Filter includes, Filter excludes) {}

    /**
     * A condition on the container: its bounding capabilities ({@code CAP_*}), docker's name of
     * the native architecture ({@code amd64}, {@code arm64}) and the kernel version.
     *
     * @param minKernel {@code MAJOR << 16 | MINOR}, or -1 when absent
     */
    public record Filter(List<String> caps, List<String> arches, int minKernel) {
        static final Filter NONE = new Filter(List.of(), List.of(), -1);
    }

    /** A profile as {@code Json.parseObject} reads it; unknown fields are ignored. */
    public static DockerProfile fromJson(Map<String, Object> m) throws SeccompException {
        Seccomp.notify(m);
        if (m.get("defaultAction") == null && m.get("syscalls") == null) {
            throw new SeccompException("seccomp: the profile has no defaultAction and no syscalls: "
                + "use --security-opt seccomp=unconfined to run without a filter");
        }
        SeccompAction def = Seccomp.defaultAction(m);
        int defErrno = Seccomp.errno(m, "defaultErrnoRet", def, "defaultErrnoRet", "defaultAction");
        List<String> arches = Seccomp.architectures(m.get("architectures"), "architectures");
        List<Object> maps = Seccomp.list(m.get("archMap"), "archMap", "an array of objects");
        if (!arches.isEmpty() && !maps.isEmpty()) {
            throw new SeccompException("seccomp: the profile has both architectures and archMap: use one of them");
        }
        List<ArchMap> archMap = new ArrayList<>(maps.size());
        for (int i = 0; i < maps.size(); i++) {
            String where = "archMap[" + i + "]";
            Map<String, Object> a = Seccomp.object(maps.get(i), where);
            if (!(a.get("architecture") instanceof String arch)) {
                throw new SeccompException("seccomp: " + where + ".architecture must be an SCMP_ARCH_* name");
            }
            Seccomp.architectures(List.of(arch), where + ".architecture");
            archMap.add(new ArchMap(arch,
                Seccomp.architectures(a.get("subArchitectures"), where + ".subArchitectures")));
        }
        int flags = Seccomp.flags(m.get("flags"));
        List<Object> calls = Seccomp.list(m.get("syscalls"), "syscalls", "an array of objects");
        List<Entry> entries = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            String where = "syscalls[" + i + "]";
            Map<String, Object> c = Seccomp.object(calls.get(i), where);
            List<String> names;
            Object name = c.get("name");
            if (name != null && !"".equals(name)) {
                if (c.get("names") != null) {
                    throw new SeccompException("seccomp: " + where + " has both name and names: use names");
                }
                names = Seccomp.names(List.of(name), where + ".name");
            } else {
                names = Seccomp.names(c.get("names"), where + ".names");
            }
            entries.add(new Entry(Seccomp.rule(c, where, names), filter(c.get("includes"), where + ".includes"),
                filter(c.get("excludes"), where + ".excludes")));
        }
        return new DockerProfile(def, defErrno, arches, List.copyOf(archMap), flags, List.copyOf(entries));
    }

    private static Filter filter(Object v, String where) throws SeccompException {
        if (v == null) {
            return Filter.NONE;
        }
        Map<String, Object> f = Seccomp.object(v, where);
        int min = -1;
        Object k = f.get("minKernel");
        if (k != null && !"".equals(k)) {
            min = k instanceof String s ? kernel(s) : -1;
            if (min < 0) {
                throw new SeccompException("seccomp: " + where + ".minKernel must be a string like \"4.8\"");
            }
        }
        return new Filter(Seccomp.strings(f.get("caps"), where + ".caps"),
            Seccomp.strings(f.get("arches"), where + ".arches"), min);
    }

    /**
     * {@code MAJOR << 16 | MINOR} of a version or kernel release ({@code 6.8},
     * {@code 6.18.44-generic}), or -1 when it does not start with two numbers.
     */
    static int kernel(String s) {
        int dot = s.indexOf('.');
        if (dot <= 0) {
            return -1;
        }
        int end = dot + 1;
        while (end < s.length() && s.charAt(end) >= '0' && s.charAt(end) <= '9') {
            end++;
        }
        if (end == dot + 1 || end - dot > 5 || dot > 4) {
            return -1;
        }
        for (int i = 0; i < dot; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(s, 0, dot, 10) << 16 | Integer.parseInt(s, dot + 1, end, 10);
    }
}
