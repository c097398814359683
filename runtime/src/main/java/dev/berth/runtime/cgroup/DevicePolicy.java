package dev.berth.runtime.cgroup;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a list of device rules leaves in force, worked out the way the cgroup v1 devices
 * controller applies them one by one (runc's emulator does the same before building its v2
 * program): a rule of type {@code a} resets everything to allow-all or deny-all; any other rule
 * either adds an exception to that default (merging access with an exception for the same
 * device) or takes access away from an exception for exactly the same device. The start is
 * deny-all, so an empty list allows nothing.
 *
 * <p>v1 silently ignores a rule that would take one device out of an earlier wildcard
 * exception ({@code allow c *:* rwm} then {@code deny c 1:5 rwm}: /dev/zero stays allowed).
 * That is refused here, as runc does, rather than leaving a device open that the list seems to
 * close.
 */
final class DevicePolicy {
    static final int MKNOD = 1;
    static final int READ = 2;
    static final int WRITE = 4;
    static final int ALL = MKNOD | READ | WRITE;
    static final int BLOCK = 1;
    static final int CHAR = 2;
    /** A major or minor that matches every number. */
    static final long ANY = -1;

    /** One exception to the default: {@link #BLOCK} or {@link #CHAR}, numbers or {@link #ANY}. */
    record Exception(int type, long major, long minor, int access) {}

    private record Key(int type, long major, long minor) {}

    private boolean defaultAllow;
    private final Map<Key, Integer> exceptions = new LinkedHashMap<>();

    private DevicePolicy() {}

    static DevicePolicy of(List<Resources.DeviceRule> rules) throws CgroupException {
        DevicePolicy p = new DevicePolicy();
        for (int i = 0; i < rules.size(); i++) {
            p.apply(rules.get(i), i);
        }
        return p;
    }

    /** True when a device no exception names is allowed. */
    boolean defaultAllow() {
        return defaultAllow;
    }

    /** The exceptions in the order they were first made; each one does the opposite of the default. */
    List<Exception> exceptions() {
        List<Exception> out = new ArrayList<>();
        for (Map.Entry<Key, Integer> e : exceptions.entrySet()) {
            Key k = e.getKey();
            out.add(new Exception(k.type(), k.major(), k.minor(), e.getValue()));
        }
        return out;
    }

    private void apply(Resources.DeviceRule rule, int index) throws CgroupException {
        String type = rule.type() == null ? "a" : rule.type();
        if (type.equals("a")) {
            defaultAllow = rule.allow();
            exceptions.clear();
            return;
        }
        Key key = new Key(type.equals("b") ? BLOCK : CHAR, number(rule.major()), number(rule.minor()));
        int access = access(rule.access());
        if (rule.allow() != defaultAllow) {
            exceptions.merge(key, access, (a, b) -> a | b);
            return;
        }
        Key[] wider = {new Key(key.type(), ANY, key.minor()), new Key(key.type(), key.major(), ANY),
            new Key(key.type(), ANY, ANY)};
        for (Key w : wider) {
            Integer held = exceptions.get(w);
            if (!w.equals(key) && held != null && (held & access) != 0) {
                throw new CgroupException("linux.resources.devices[" + index + "]: \"" + text(rule.allow(), key, access)
                    + "\" cannot take one device out of the earlier wildcard rule \"" + text(!rule.allow(), w, held)
                    + "\" (cgroup v1 would ignore it silently): name the devices to " + (defaultAllow ? "deny" : "allow")
                    + " one by one instead of the wildcard");
            }
        }
        Integer held = exceptions.get(key);
        if (held != null) {
            int left = held & ~access;
            if (left == 0) {
                exceptions.remove(key);
            } else {
                exceptions.put(key, left);
            }
        }
    }

    private static long number(Long n) {
        return n == null || n < 0 ? ANY : n;
    }

    static int access(String s) {
        if (s == null) {
            return ALL;
        }
        int a = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            a |= c == 'r' ? READ : c == 'w' ? WRITE : c == 'm' ? MKNOD : 0;
        }
        return a;
    }

    private static String text(boolean allow, Key k, int access) {
        return (allow ? "allow " : "deny ") + (k.type() == BLOCK ? "b " : "c ")
            + (k.major() == ANY ? "*" : Long.toString(k.major())) + ":" + (k.minor() == ANY ? "*" : Long.toString(k.minor()))
            + " " + ((access & READ) != 0 ? "r" : "") + ((access & WRITE) != 0 ? "w" : "")
            + ((access & MKNOD) != 0 ? "m" : "");
    }
}
