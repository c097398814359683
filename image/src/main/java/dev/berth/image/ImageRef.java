package dev.berth.image;

/**
 * An image reference as docker reads one: {@code busybox} is
 * {@code docker.io/library/busybox:latest}; {@code localhost:5000/app:1@sha256:...} keeps its
 * registry, tag and digest. The grammar is distribution/reference's (domain components, port,
 * bracketed IPv6, lowercase path components joined by {@code .}, {@code _}, {@code __} or runs
 * of {@code -}, tags of up to 128 word characters, names of at most 255), written as a plain
 * parser because it runs on the cold path of {@code berth run}.
 *
 * @param domain the registry, e.g. {@code docker.io} or {@code localhost:5000}
 * @param path the repository inside it, e.g. {@code library/busybox}
 * @param tag the tag, or null when the reference has only a digest
 * @param digest the digest, or null
 */
public record ImageRef(String domain, String path, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final int NAME_MAX = 255;
    private static final int TAG_MAX = 128;

    /**
     * Parses {@code s} as {@code docker pull} does: the registry defaults to docker.io, its
     * single-component names go to {@code library/}, and a reference with neither tag nor digest
     * gets {@code :latest}.
     */
    public static ImageRef parse(String s) throws ImageException.InvalidReference {
        ImageRef r = parseNormalized(s);
        if (r.tag == null && r.digest == null) {
            return new ImageRef(r.domain, r.path, "latest", null);
        }
        return r;
    }

    /** As {@link #parse} without adding a default tag (a repository name, for `images REPO`). */
    public static ImageRef parseNormalized(String s) throws ImageException.InvalidReference {
        if (s.isEmpty()) {
            throw invalid(s, "repository name must have at least one component");
        }
        if (s.length() == 64 && Digest.isLowerHex(s)) {
            throw invalid(s, "a 64-digit hexadecimal string is an image id, not a repository name");
        }
        // splitDockerDomain: the first component is a registry only if it looks like a host
        int slash = s.indexOf('/');
        String domain;
        String rest;
        if (slash < 0) {
            domain = DOCKER_HUB;
            rest = s;
        } else {
            String first = s.substring(0, slash);
            boolean host = first.indexOf('.') >= 0 || first.indexOf(':') >= 0 || first.equals("localhost")
                || !first.equals(first.toLowerCase(java.util.Locale.ROOT));
            if (host) {
                domain = first;
                rest = s.substring(slash + 1);
            } else {
                domain = DOCKER_HUB;
                rest = s;
            }
        }
        if (domain.equals("index.docker.io")) {
            domain = DOCKER_HUB;
        }
        // split off the digest, then the tag (a colon after the last slash)
        String digestPart = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digestPart = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon >= 0 && colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        if (domain.equals(DOCKER_HUB) && rest.indexOf('/') < 0) {
            rest = "library/" + rest;
        }
        if (!rest.equals(rest.toLowerCase(java.util.Locale.ROOT))) {
            throw invalid(s, "repository name (" + rest + ") must be lowercase");
        }
        if (!validDomain(domain)) {
            throw invalid(s, "registry \"" + domain + "\" is not a host name, IPv4 or [IPv6] address with an optional :port");
        }
        String bad = badPath(rest);
        if (bad != null) {
            throw invalid(s, bad);
        }
        if (domain.length() + 1 + rest.length() > NAME_MAX) {
            throw invalid(s, "repository name must not be more than " + NAME_MAX + " characters");
        }
        if (tag != null && !validTag(tag)) {
            throw invalid(s, "tag \"" + tag + "\" must be 1 to 128 letters, digits, '_', '.' or '-' and not start with '.' or '-'");
        }
        Digest digest = null;
        if (digestPart != null) {
            try {
                digest = Digest.parse(digestPart);
            } catch (ImageException.InvalidReference e) {
                throw invalid(s, e.getMessage());
            }
        }
        return new ImageRef(domain, rest, tag, digest);
    }

    /** {@code domain/path}, e.g. {@code docker.io/library/busybox}. */
    public String name() {
        return domain + "/" + path;
    }

    /** The same repository with another tag and no digest. */
    public ImageRef withTag(String newTag) throws ImageException.InvalidReference {
        if (!validTag(newTag)) {
            throw invalid(newTag, "tag must be 1 to 128 letters, digits, '_', '.' or '-' and not start with '.' or '-'");
        }
        return new ImageRef(domain, path, newTag, null);
    }

    /** docker's short form: {@code busybox:latest}, {@code user/app:1}, {@code quay.io/x/y:z}. */
    public String familiar() {
        String name;
        if (domain.equals(DOCKER_HUB)) {
            name = path.startsWith("library/") && path.indexOf('/', 8) < 0 ? path.substring(8) : path;
        } else {
            name = name();
        }
        return suffix(name);
    }

    @Override
    public String toString() {
        return suffix(name());
    }

    private String suffix(String name) {
        StringBuilder b = new StringBuilder(name);
        if (tag != null) {
            b.append(':').append(tag);
        }
        if (digest != null) {
            b.append('@').append(digest);
        }
        return b.toString();
    }

    private static ImageException.InvalidReference invalid(String s, String why) {
        return new ImageException.InvalidReference("invalid reference format \"" + s + "\": " + why);
    }

    /** host[:port], host a DNS name (components of [A-Za-z0-9-], no dash at either end) or [IPv6]. */
    static boolean validDomain(String d) {
        String host = d;
        int portAt = -1;
        if (d.startsWith("[")) {
            int close = d.indexOf(']');
            if (close < 0) {
                return false;
            }
            String v6 = d.substring(1, close);
            if (v6.isEmpty()) {
                return false;
            }
            for (int i = 0; i < v6.length(); i++) {
                char c = v6.charAt(i);
                if (!(c == ':' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                    return false;
                }
            }
            if (close + 1 < d.length()) {
                if (d.charAt(close + 1) != ':') {
                    return false;
                }
                portAt = close + 2;
            }
        } else {
            int colon = d.indexOf(':');
            if (colon >= 0) {
                host = d.substring(0, colon);
                portAt = colon + 1;
            }
            if (host.isEmpty()) {
                return false;
            }
            for (String comp : host.split("\\.", -1)) {
                if (!validDomainComponent(comp)) {
                    return false;
                }
            }
        }
        if (portAt >= 0) {
            String port = d.substring(portAt);
            if (port.isEmpty()) {
                return false;
            }
            for (int i = 0; i < port.length(); i++) {
                if (port.charAt(i) < '0' || port.charAt(i) > '9') {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean validDomainComponent(String c) {
        if (c.isEmpty() || c.charAt(0) == '-' || c.charAt(c.length() - 1) == '-') {
            return false;
        }
        for (int i = 0; i < c.length(); i++) {
            char ch = c.charAt(i);
            if (!(isAlnum(ch) || (ch >= 'A' && ch <= 'Z') || ch == '-')) {
                return false;
            }
        }
        return true;
    }

    /** Why {@code path} is not a valid repository path, or null. */
    static String badPath(String path) {
        for (String comp : path.split("/", -1)) {
            if (comp.isEmpty()) {
                return "repository path \"" + path + "\" has an empty component";
            }
            if (!validPathComponent(comp)) {
                return "path component \"" + comp + "\" must be lowercase letters and digits joined by '.', '_', '__' or '-'";
            }
        }
        return null;
    }

    /** [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)* */
    private static boolean validPathComponent(String c) {
        int i = 0;
        int n = c.length();
        while (true) {
            int start = i;
            while (i < n && isAlnum(c.charAt(i))) {
                i++;
            }
            if (i == start) {
                return false;
            }
            if (i == n) {
                return true;
            }
            char sep = c.charAt(i);
            if (sep == '.') {
                i++;
            } else if (sep == '_') {
                i++;
                if (i < n && c.charAt(i) == '_') {
                    i++;
                }
            } else if (sep == '-') {
                while (i < n && c.charAt(i) == '-') {
                    i++;
                }
            } else {
                return false;
            }
        }
    }

    /** [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
    static boolean validTag(String t) {
        if (t.isEmpty() || t.length() > TAG_MAX) {
            return false;
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            boolean word = isAlnum(c) || (c >= 'A' && c <= 'Z') || c == '_';
            if (!(word || (i > 0 && (c == '.' || c == '-')))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
}
