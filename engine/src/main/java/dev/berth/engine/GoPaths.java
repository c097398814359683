package dev.berth.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Go's {@code path/filepath} functions on strings (Clean, Dir, Base, Join) and the helpers of
 * docker's {@code pkg/archive} built on them: docker's {@code cp} rules are written in terms of
 * these, trailing {@code /} and {@code /.} included, which {@link java.nio.file.Path} drops.
 */
final class GoPaths {
    private GoPaths() {}

    static String clean(String p) {
        if (p.isEmpty()) {
            return ".";
        }
        boolean rooted = p.startsWith("/");
        List<String> parts = new ArrayList<>();
        for (String s : p.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (!parts.isEmpty() && !parts.get(parts.size() - 1).equals("..")) {
                    parts.remove(parts.size() - 1);
                } else if (!rooted) {
                    parts.add("..");
                }
                continue;
            }
            parts.add(s);
        }
        String joined = String.join("/", parts);
        if (rooted) {
            return "/" + joined;
        }
        return joined.isEmpty() ? "." : joined;
    }

    static String dir(String p) {
        int i = p.lastIndexOf('/');
        return clean(i < 0 ? "" : p.substring(0, i + 1));
    }

    static String base(String p) {
        if (p.isEmpty()) {
            return ".";
        }
        String s = p;
        while (s.length() > 0 && s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.isEmpty()) {
            return "/";
        }
        return s.substring(s.lastIndexOf('/') + 1);
    }

    static String join(String a, String b) {
        if (a.isEmpty()) {
            return b.isEmpty() ? "" : clean(b);
        }
        return clean(b.isEmpty() ? a : a + "/" + b);
    }

    static boolean isAbs(String p) {
        return p.startsWith("/");
    }

    static boolean hasTrailingSeparator(String p) {
        return p.length() > 0 && p.endsWith("/");
    }

    static boolean specifiesCurrentDir(String p) {
        return base(p).equals(".");
    }

    /** docker's {@code PreserveTrailingDotOrSeparator(cleaned, original)}. */
    static String preserveTrailing(String cleaned, String original) {
        if (!specifiesCurrentDir(cleaned) && specifiesCurrentDir(original)) {
            if (!hasTrailingSeparator(cleaned)) {
                cleaned += "/";
            }
            cleaned += ".";
        }
        if (!hasTrailingSeparator(cleaned) && hasTrailingSeparator(original)) {
            cleaned += "/";
        }
        return cleaned;
    }

    /** docker's {@code SplitPathDirEntry}: {@code {dir, base}}, base {@code .} for a path ending in {@code /.}. */
    static String[] splitDirEntry(String p) {
        String cleaned = clean(p);
        if (specifiesCurrentDir(p)) {
            cleaned += "/.";
        }
        return new String[] {dir(cleaned), base(cleaned)};
    }

    /** docker's {@code GetRebaseName}: {@code {resolved, rebaseName or ""}}. */
    static String[] rebaseName(String path, String resolved) {
        if (specifiesCurrentDir(path) && !specifiesCurrentDir(resolved)) {
            resolved += "/.";
        }
        if (hasTrailingSeparator(path) && !hasTrailingSeparator(resolved)) {
            resolved += "/";
        }
        String rebase = base(path).equals(base(resolved)) ? "" : base(path);
        return new String[] {resolved, rebase};
    }

    /** docker's {@code RebaseArchiveEntries} on one name: the first {@code oldBase} becomes {@code newBase}. */
    static String rebase(String name, String oldBase, String newBase) {
        String old = oldBase.equals("/") ? "" : oldBase;
        int i = name.indexOf(old);
        return i < 0 ? name : name.substring(0, i) + newBase + name.substring(i + old.length());
    }
}
