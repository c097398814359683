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
        // split line by line only as far as needed: root is the first line of most passwd files
        // (each split array cost a cold JVM ~10 us, a run split every line of both files)
        String[] entry = null;
        for (String line : table(passwdFile)) {
            String[] e = line.split(":", -1);
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
        List<String> group = table(groupFile);
        if (g != null) {
            gid = groupId(group, g);
        }
        String name = entry != null ? entry[0] : null;
        List<Integer> groups = new ArrayList<>();
        if (g == null && name != null) {
            for (String line : group) {
                // name:password:gid:members, the members field found without splitting the line
                int c1 = line.indexOf(':');
                int c2 = c1 < 0 ? -1 : line.indexOf(':', c1 + 1);
                int c3 = c2 < 0 ? -1 : line.indexOf(':', c2 + 1);
                if (c3 < 0) {
                    continue;
                }
                int c4 = line.indexOf(':', c3 + 1);
                if (isMember(line, c3 + 1, c4 < 0 ? line.length() : c4, name)) {
                    int id = Integer.parseInt(line, c2 + 1, c3, 10);
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

    private static int groupId(List<String> group, String g) throws EngineException {
        if (isNumber(g)) {
            return Integer.parseInt(g);
        }
        for (String line : group) {
            String[] e = line.split(":", -1);
            if (e.length >= 3 && e[0].equals(g)) {
                return Integer.parseInt(e[2]);
            }
        }
        throw new EngineException.InvalidArgument("unable to find group " + g
            + ": no matching entries in the container's /etc/group; use a numeric gid");
    }

    /** Whether {@code name} is one of the comma-separated members in {@code line[from, to)}. */
    private static boolean isMember(String line, int from, int to, String name) {
        for (int start = from; start <= to; ) {
            int comma = line.indexOf(',', start);
            int end = comma < 0 || comma > to ? to : comma;
            if (end - start == name.length() && line.startsWith(name, start)) {
                return !name.isEmpty();
            }
            start = end + 1;
        }
        return false;
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
        for (String line : table(etc.resolve("passwd"))) {
            String[] e = line.split(":", -1);
            if (e.length >= 3 && isNumber(e[2])) {
                out.putIfAbsent(Integer.parseInt(e[2]), e[0]);
            }
        }
        return out;
    }

    /** The entries of a passwd or group file: its lines but blank ones and comments. */
    private static List<String> table(Path file) {
        List<String> out = new ArrayList<>();
        if (file == null) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line);
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
