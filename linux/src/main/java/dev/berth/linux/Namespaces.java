package dev.berth.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Namespace identity as the kernel shows it: the link {@code /proc/PID/ns/net} reads
 * {@code net:[4026531840]}, and two processes share a namespace exactly when the inodes match.
 */
public final class Namespaces {
    private Namespaces() {}

    /** The path of a process's namespace file, suitable for setns. */
    public static Path path(long pid, NsKind kind) {
        return Path.of("/proc/" + pid + "/ns/" + kind.procName());
    }

    /** The inode number of a namespace of {@code pid}; {@code pid} 0 means this process. */
    public static long inode(long pid, NsKind kind) throws IOException {
        Path link = pid == 0 ? Path.of("/proc/self/ns/" + kind.procName()) : path(pid, kind);
        return parseInode(Files.readSymbolicLink(link).toString());
    }

    /** The inode of the namespace a namespace file (or a bind mount of one) refers to. */
    public static long inodeOfFile(Path nsFile) throws IOException {
        try {
            if (Files.isSymbolicLink(nsFile)) {
                return parseInode(Files.readSymbolicLink(nsFile).toString());
            }
            return ((Number) Files.getAttribute(nsFile, "unix:ino")).longValue();
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(nsFile.toString(), null, "no such namespace file");
        }
    }

    static long parseInode(String link) throws IOException {
        int open = link.indexOf('[');
        int close = link.indexOf(']');
        if (open < 0 || close < open) {
            throw new IOException("not a namespace link: " + link);
        }
        return Long.parseLong(link, open + 1, close, 10);
    }

    /**
     * Namespace files bind-mounted somewhere (like /run/netns/NAME), from mountinfo: the mount
     * point and the namespace it holds, as its link reads ({@code net:[4026532281]}).
     */
    public static Map<String, String> nsfsMounts() {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                int dash = line.indexOf(" - ");
                if (dash < 0 || !line.startsWith("nsfs ", dash + 3)) {
                    continue;
                }
                String[] f = line.substring(0, dash).split(" ");
                if (f.length > 4) {
                    out.put(Mountinfo.unescape(f[4]), f[3]);
                }
            }
        } catch (IOException e) {
            // no mountinfo: no bind-mounted namespaces to report
        }
        return out;
    }
}
