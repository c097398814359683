package dev.berth.runtime.cgroup;

import java.util.ArrayList;
import java.util.List;

/**
 * The device allow-list every container gets (docker's and runc's): mknod of any node (which
 * opens nothing without an access rule), null, zero, full, random, urandom, tty, console,
 * ptmx, tun and the pty slaves.
 */
public final class DefaultDevices {
    private static final long[][] CHAR = {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {10, 200}};

    private DefaultDevices() {}

    public static List<Resources.DeviceRule> rules() {
        List<Resources.DeviceRule> rules = new ArrayList<>();
        rules.add(new Resources.DeviceRule(true, "c", null, null, "m"));
        rules.add(new Resources.DeviceRule(true, "b", null, null, "m"));
        for (long[] d : CHAR) {
            rules.add(new Resources.DeviceRule(true, "c", d[0], d[1], "rwm"));
        }
        rules.add(new Resources.DeviceRule(true, "c", 136L, null, "rwm")); // /dev/pts/*
        return rules;
    }
}
