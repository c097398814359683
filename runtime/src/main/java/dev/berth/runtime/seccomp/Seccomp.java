package dev.berth.runtime.seccomp;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * runtime-spec 1.2's {@code linux.seccomp}: what the filter does by default, for which
 * architectures, and the rules for named syscalls. Read from config.json with {@link #fromOci},
 * made from a docker profile by {@link SeccompProfiles#resolve}, turned into BPF by
 * {@link SeccompCompiler}.
 *
 * @param defaultErrnoRet the errno of an ERRNO default (EPERM when the profile gives none)
 * @param architectures {@code SCMP_ARCH_*} names; the compiler adds the native one
 * @param flags {@code SECCOMP_FILTER_FLAG_*} bits as declared (see {@link SeccompCompiler#flags})
 */
public record Seccomp(SeccompAction defaultAction, int defaultErrnoRet, List<String> architectures,
                      int flags, List<Rule> syscalls) {
    public static final int FLAG_TSYNC = 1;
    public static final int FLAG_LOG = 2;
    public static final int FLAG_SPEC_ALLOW = 4;
    public static final int FLAG_WAIT_KILLABLE_RECV = 32;

    private static final String[] FLAG_NAMES = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    private static final int[] FLAG_BITS = {FLAG_TSYNC, FLAG_LOG, FLAG_SPEC_ALLOW, FLAG_WAIT_KILLABLE_RECV};

    /**
     * One entry of {@code syscalls}: the action for the named syscalls when every condition holds.
     *
     * @param errnoRet the errno (ERRNO) or message (TRACE); EPERM when the profile gives none
     */
    public record Rule(List<String> names, SeccompAction action, int errnoRet, List<Arg> args) {
        /** The filter's return value for this rule. */
        public int ret() {
            return action.ret(errnoRet);
        }
    }

    /** A condition on argument {@code index} (0 to 5); see {@link SeccompOp} for the values. */
    public record Arg(int index, long value, long valueTwo, SeccompOp op) {}

    /** The filter's return value when no rule decides. */
    public int defaultRet() {
        return defaultAction.ret(defaultErrnoRet);
    }

    /**
     * The {@code linux.seccomp} object of a config.json, as {@code Json.parseObject} gives it.
     * Unknown fields are ignored; syscall names are checked only when compiling, where the ones
     * the architecture lacks are skipped (as runc does).
     */
    public static Seccomp fromOci(Map<String, Object> m) throws SeccompException {
        notify(m);
        SeccompAction def = defaultAction(m);
        int defErrno = errno(m, "defaultErrnoRet", def, "defaultErrnoRet", "defaultAction");
        List<String> arches = architectures(m.get("architectures"), "architectures");
        int flags = flags(m.get("flags"));
        List<Object> calls = list(m.get("syscalls"), "syscalls", "an array of objects");
        List<Rule> rules = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            String where = "syscalls[" + i + "]";
            Map<String, Object> c = object(calls.get(i), where);
            rules.add(rule(c, where, names(c.get("names"), where + ".names")));
        }
        return new Seccomp(def, defErrno, arches, flags, List.copyOf(rules));
    }

    /** This filter as config.json's {@code linux.seccomp} object, for {@code Json} to write. */
    public Map<String, Object> toOci() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("defaultAction", defaultAction.ociName());
        if (defaultAction.takesErrno()) {
            m.put("defaultErrnoRet", defaultErrnoRet);
        }
        if (!architectures.isEmpty()) {
            m.put("architectures", architectures);
        }
        if (flags != 0) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < FLAG_BITS.length; i++) {
                if ((flags & FLAG_BITS[i]) != 0) {
                    names.add(FLAG_NAMES[i]);
                }
            }
            m.put("flags", names);
        }
        List<Object> calls = new ArrayList<>(syscalls.size());
        for (Rule r : syscalls) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("names", r.names());
            c.put("action", r.action().ociName());
            if (r.action().takesErrno()) {
                c.put("errnoRet", r.errnoRet());
            }
            if (!r.args().isEmpty()) {
                List<Object> args = new ArrayList<>(r.args().size());
                for (Arg a : r.args()) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("index", a.index());
                    o.put("value", unsigned(a.value()));
                    o.put("valueTwo", unsigned(a.valueTwo()));
                    o.put("op", a.op().ociName());
                    args.add(o);
                }
                c.put("args", args);
            }
            calls.add(c);
        }
        m.put("syscalls", calls);
        return m;
    }

    // The readers below are shared with DockerProfile, so both formats fail with the same words.

    static void notify(Map<String, Object> m) throws SeccompException {
        Object path = m.get("listenerPath");
        if (path != null && !"".equals(path)) {
            throw new SeccompException("seccomp notify (listenerPath) is not supported yet: "
                + "remove listenerPath and the SCMP_ACT_NOTIFY rules");
        }
    }

    static SeccompAction defaultAction(Map<String, Object> m) throws SeccompException {
        if (m.get("defaultAction") == null) {
            throw new SeccompException("seccomp: defaultAction is missing: set it to one of "
                + SeccompAction.names() + " (docker's profile uses SCMP_ACT_ERRNO)");
        }
        return action(m.get("defaultAction"), "defaultAction");
    }

    static SeccompAction action(Object v, String where) throws SeccompException {
        if (!(v instanceof String s)) {
            throw new SeccompException("seccomp: " + (where.endsWith("]") ? where + ".action" : where)
                + " must be a string: use one of " + SeccompAction.names());
        }
        SeccompAction a = SeccompAction.byName(s);
        if (a == null) {
            throw new SeccompException("seccomp: unknown action \"" + s + "\" in " + where + ": use one of "
                + SeccompAction.names());
        }
        if (a == SeccompAction.NOTIFY) {
            throw new SeccompException("seccomp: SCMP_ACT_NOTIFY in " + where + " is not supported yet, since "
                + "berth has no seccomp notify listener: use SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
        }
        return a;
    }

    /** {@code m.get(key)} as the errno of action {@code a}, EPERM when absent. */
    static int errno(Map<String, Object> m, String key, SeccompAction a, String where, String actionField)
        throws SeccompException {
        Object v = m.get(key);
        if (v == null) {
            return SeccompAction.EPERM;
        }
        if (!a.takesErrno()) {
            throw new SeccompException("seccomp: " + where + " needs SCMP_ACT_ERRNO or SCMP_ACT_TRACE in "
                + actionField + ", not " + a.ociName() + ": remove " + key + " or change the action");
        }
        long n = number(v, where);
        if (n > 0xffff) {
            throw new SeccompException("seccomp: " + where + " is " + n
                + ", more than the filter's 16 bits of data: use an errno from 0 to 4095");
        }
        return (int) n;
    }

    /** One rule; {@code names} come from the caller, since docker's profiles also accept name. */
    static Rule rule(Map<String, Object> c, String where, List<String> names) throws SeccompException {
        SeccompAction a = action(c.get("action"), where);
        int errno = errno(c, "errnoRet", a, where + ".errnoRet", where + ".action");
        List<Object> raw = list(c.get("args"), where + ".args", "an array of objects");
        List<Arg> args = new ArrayList<>(raw.size());
        for (int j = 0; j < raw.size(); j++) {
            String at = where + ".args[" + j + "]";
            Map<String, Object> o = object(raw.get(j), at);
            Object index = o.get("index");
            if (!(index instanceof Integer i) || i < 0 || i > 5) {
                throw new SeccompException("seccomp: " + at + ".index must be an integer from 0 to 5 "
                    + "(syscalls have six arguments)");
            }
            if (o.get("value") == null) {
                throw new SeccompException("seccomp: " + at + ".value is missing: give the number to compare with");
            }
            long value = number(o.get("value"), at + ".value");
            long valueTwo = o.get("valueTwo") == null ? 0 : number(o.get("valueTwo"), at + ".valueTwo");
            if (!(o.get("op") instanceof String s)) {
                throw new SeccompException("seccomp: " + at + ".op is missing: use one of " + SeccompOp.names());
            }
            SeccompOp op = SeccompOp.byName(s);
            if (op == null) {
                throw new SeccompException("seccomp: unknown operator \"" + s + "\" in " + at + ": use one of "
                    + SeccompOp.names());
            }
            args.add(new Arg(i, value, valueTwo, op));
        }
        return new Rule(names, a, errno, List.copyOf(args));
    }

    static List<String> names(Object v, String where) throws SeccompException {
        List<String> names = strings(v, where);
        if (names.isEmpty()) {
            throw new SeccompException("seccomp: " + where + " is empty: list at least one syscall name");
        }
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).isEmpty()) {
                throw new SeccompException("seccomp: " + where + "[" + i + "] is empty: give a syscall name");
            }
        }
        return names;
    }

    static List<String> architectures(Object v, String where) throws SeccompException {
        List<String> arches = strings(v, where);
        for (String a : arches) {
            if (!SeccompArch.OCI_NAMES.contains(a)) {
                throw new SeccompException("seccomp: unknown architecture \"" + a + "\" in " + where
                    + ": use runtime-spec's names, such as SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 "
                    + "or SCMP_ARCH_AARCH64");
            }
        }
        return arches;
    }

    static int flags(Object v) throws SeccompException {
        int flags = 0;
        for (String f : strings(v, "flags")) {
            int bit = 0;
            for (int i = 0; i < FLAG_NAMES.length; i++) {
                if (FLAG_NAMES[i].equals(f)) {
                    bit = FLAG_BITS[i];
                }
            }
            if (bit == 0) {
                throw new SeccompException("seccomp: unknown flag \"" + f + "\" in flags: use "
                    + String.join(", ", FLAG_NAMES));
            }
            flags |= bit;
        }
        return flags;
    }

    /** A JSON integer from 0 to 2^64-1, as the long with the same 64 bits. */
    static long number(Object v, String where) throws SeccompException {
        if (v instanceof Integer || v instanceof Long) {
            long n = ((Number) v).longValue();
            if (n >= 0) {
                return n;
            }
        } else if (v instanceof BigInteger b && b.signum() >= 0 && b.bitLength() <= 64) {
            return b.longValue();
        }
        throw new SeccompException("seccomp: " + where + " must be an integer from 0 to 18446744073709551615, not "
            + (v instanceof String s ? "\"" + s + "\"" : String.valueOf(v)));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object v, String where) throws SeccompException {
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new SeccompException("seccomp: " + where + " must be an object");
    }

    /** {@code v} as a list, empty when absent. */
    @SuppressWarnings("unchecked")
    static List<Object> list(Object v, String where, String what) throws SeccompException {
        if (v == null) {
            return List.of();
        }
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new SeccompException("seccomp: " + where + " must be " + what);
    }

    static List<String> strings(Object v, String where) throws SeccompException {
        List<Object> l = list(v, where, "an array of strings");
        List<String> out = new ArrayList<>(l.size());
        for (Object o : l) {
            if (!(o instanceof String s)) {
                throw new SeccompException("seccomp: " + where + " must be an array of strings");
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    private static Object unsigned(long v) {
        return v >= 0 ? (Object) v : new BigInteger(Long.toUnsignedString(v));
    }
}
