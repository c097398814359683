package dev.berth.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Resolves docker's {@code -u} values against the container's own /etc/passwd and /etc/group. */
final class Users {
    record User(int uid, int gid, List<Integer> groups, String home) {}

    private Users() {}

    /**
     * {@code spec} is {@code uid}, {@code uid:gid}, {@code name}, {@code name:group} or null
     * (root). Numeric ids need no passwd entry, as in docker.
     */
    static User resolve(Path etc, String spec) throws EngineException {
        return resolve(etc.resolve("passwd"), etc.resolve("group"), spec);
    }

    /** The same with the files named (either may be null: an image without one). */
    static User resolve(Path passwdFile, Path groupFile, String spec) throws EngineException {
        String u = spec == null || spec.isEmpty() ? "0" : spec;
        String g = null;
        int colon = u.indexOf(':');
        if (colon >= 0) {
            g = u.substring(colon + 1);
            u = u.substring(0, colon);
        }
        List<String[]> passwd = table(passwdFile);
        String[] entry = null;
        for (String[] e : passwd) {
            if (e.length >= 4 && (e[0].equals(u) || e[2].equals(u))) {
                entry = e;
                break;
            }
        }
        int uid;
        if (isNumber(u)) {
            uid = Integer.parseInt(u);
        } else if (entry != null) {
            uid = Integer.parseInt(entry[2]);
        } else {
            throw new EngineException.InvalidArgument("unable to find user " + u
                + ": no matching entries in the container's /etc/passwd; use a numeric uid");
        }
        int gid = entry != null ? Integer.parseInt(entry[3]) : uid == 0 ? 0 : uid;
        List<String[]> group = table(groupFile);
        if (g != null) {
            gid = groupId(group, g);
        }
        String name = entry != null ? entry[0] : null;
        List<Integer> groups = new ArrayList<>();
        if (g == null && name != null) {
            for (String[] e : group) {
                if (e.length >= 4 && List.of(e[3].split(",")).contains(name)) {
                    int id = Integer.parseInt(e[2]);
                    if (id != gid && !groups.contains(id)) {
                        groups.add(id);
                    }
                }
            }
        }
        String home = entry != null && entry.length >= 6 && !entry[5].isEmpty() ? entry[5] : "/";
        if (uid == 0 && entry == null) {
            home = "/root";
        }
        return new User(uid, gid, groups, home);
    }

    private static int groupId(List<String[]> group, String g) throws EngineException {
        if (isNumber(g)) {
            return Integer.parseInt(g);
        }
        for (String[] e : group) {
            if (e.length >= 3 && e[0].equals(g)) {
                return Integer.parseInt(e[2]);
            }
        }
        throw new EngineException.InvalidArgument("unable to find group " + g
            + ": no matching entries in the container's /etc/group; use a numeric gid");
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty() || s.length() > 10) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return Long.parseLong(s) <= Integer.MAX_VALUE;
    }

    /** uid to user name, from {@code etc}/passwd (the host's, for lsns-like listings). */
    static java.util.Map<Integer, String> names(Path etc) {
        java.util.Map<Integer, String> out = new java.util.HashMap<>();
        for (String[] e : table(etc.resolve("passwd"))) {
            if (e.length >= 3 && isNumber(e[2])) {
                out.putIfAbsent(Integer.parseInt(e[2]), e[0]);
            }
        }
        return out;
    }

    private static List<String[]> table(Path file) {
        List<String[]> out = new ArrayList<>();
        if (file == null) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.split(":", -1));
                }
            }
        } catch (NoSuchFileException e) {
            // an image without /etc/passwd: numeric ids only
        } catch (IOException | RuntimeException e) {
            // unreadable or malformed: treat as empty, numeric ids still work
        }
        return out;
    }
}
