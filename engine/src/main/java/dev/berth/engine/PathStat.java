package dev.berth.engine;

import dev.berth.linux.FileInfo;
import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * docker's {@code ContainerPathStat}: what {@code HEAD /containers/{id}/archive} says of a path
 * (the {@code X-Docker-Container-Path-Stat} header). {@code mode} is Go's {@code os.FileMode}
 * (the type in the high bits: a directory is {@code 1<<31 | 0755}); {@code linkTarget} is the
 * absolute path in the container a symlink resolves to, or empty.
 */
public record PathStat(String name, long size, long mode, String mtime, String linkTarget) {
    static final long MODE_DIR = 1L << 31;
    static final long MODE_SYMLINK = 1L << 27;
    static final long MODE_DEVICE = 1L << 26;
    static final long MODE_PIPE = 1L << 25;
    static final long MODE_SOCKET = 1L << 24;
    static final long MODE_SETUID = 1L << 23;
    static final long MODE_SETGID = 1L << 22;
    static final long MODE_CHAR = 1L << 21;
    static final long MODE_STICKY = 1L << 20;

    static PathStat of(String name, FileInfo st, String linkTarget) {
        return new PathStat(name, st.size(), goMode(st.mode()),
            Timestamps.format(st.mtimeSeconds() * 1_000_000_000L + st.mtimeNanos()), linkTarget);
    }

    public boolean isDirectory() {
        return (mode & MODE_DIR) != 0;
    }

    public boolean isSymlink() {
        return (mode & MODE_SYMLINK) != 0;
    }

    /** Go's os.FileMode of a stat(2) mode. */
    static long goMode(int st) {
        long m = st & 0777;
        switch (st & FileInfo.S_IFMT) {
            case FileInfo.S_IFDIR -> m |= MODE_DIR;
            case FileInfo.S_IFLNK -> m |= MODE_SYMLINK;
            case FileInfo.S_IFBLK -> m |= MODE_DEVICE;
            case FileInfo.S_IFCHR -> m |= MODE_DEVICE | MODE_CHAR;
            case FileInfo.S_IFIFO -> m |= MODE_PIPE;
            case FileInfo.S_IFSOCK -> m |= MODE_SOCKET;
            default -> { }
        }
        if ((st & 04000) != 0) {
            m |= MODE_SETUID;
        }
        if ((st & 02000) != 0) {
            m |= MODE_SETGID;
        }
        if ((st & 01000) != 0) {
            m |= MODE_STICKY;
        }
        return m;
    }

    public String json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("size", size);
        m.put("mode", mode);
        m.put("mtime", mtime);
        m.put("linkTarget", linkTarget);
        return Json.compact(m);
    }

    /** The header's value: the JSON in standard base64. */
    public String header() {
        return Base64.getEncoder().encodeToString(json().getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a header written by {@link #header} (or by dockerd). */
    public static PathStat fromHeader(String value) {
        try {
            Map<String, Object> m = Json.parseObject(new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8));
            return new PathStat(String.valueOf(m.get("name")), ((Number) m.get("size")).longValue(),
                ((Number) m.get("mode")).longValue(), String.valueOf(m.get("mtime")),
                m.get("linkTarget") == null ? "" : String.valueOf(m.get("linkTarget")));
        } catch (RuntimeException | dev.berth.runtime.json.JsonException e) {
            throw new IllegalArgumentException("malformed path stat header: " + e.getMessage(), e);
        }
    }
}
