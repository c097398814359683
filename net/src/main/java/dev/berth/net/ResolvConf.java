package dev.berth.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's /etc/resolv.conf, made from the host's as docker makes it. Name servers on the
 * host's loopback (a local dnsmasq or systemd-resolved at 127.0.0.53) would be the container's
 * own loopback, so they are removed, and so are IPv6 ones unless the container's network is
 * dual-stack; when none is left, Google's public servers take their place (its IPv6 ones too on
 * a dual-stack network). {@code --dns}, {@code --dns-search} and
 * {@code --dns-option} replace the host's name servers, search list and options; with any of
 * them the file is written anew (search, nameservers, options), as docker does.
 */
public final class ResolvConf {
    public static final List<String> FALLBACK = List.of("8.8.8.8", "8.8.4.4");
    /** What docker adds to {@link #FALLBACK} for a container with IPv6. */
    public static final List<String> FALLBACK6 = List.of("2001:4860:4860::8888", "2001:4860:4860::8844");
    private static final Path ETC = Path.of("/etc/resolv.conf");
    private static final Path RESOLVED = Path.of("/run/systemd/resolve/resolv.conf");

    private ResolvConf() {}

    /**
     * The host file to start from: /etc/resolv.conf, or systemd-resolved's list of upstream
     * servers when /etc/resolv.conf only points at its stub 127.0.0.53 (docker does the same).
     */
    public static Path hostPath() {
        try {
            List<String> ns = nameservers(Files.readString(ETC));
            if (ns.size() == 1 && ns.get(0).equals("127.0.0.53") && Files.isRegularFile(RESOLVED)) {
                return RESOLVED;
            }
        } catch (IOException e) {
            // no readable /etc/resolv.conf: build() starts from nothing
        }
        return ETC;
    }

    /**
     * The container's file from the host file {@code host} (a missing file counts as empty) and
     * the user's overrides (each empty or null when not given).
     */
    public static String build(Path host, List<String> dns, List<String> dnsSearch, List<String> dnsOptions)
        throws NetException {
        return build(host, dns, dnsSearch, dnsOptions, false);
    }

    /** As {@link #build(Path, List, List, List)}; with {@code ipv6} the host's IPv6 name servers stay. */
    public static String build(Path host, List<String> dns, List<String> dnsSearch, List<String> dnsOptions,
                               boolean ipv6) throws NetException {
        String text;
        try {
            text = Files.readString(host);
        } catch (NoSuchFileException e) {
            text = "";
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot read " + host + ": " + e.getMessage()
                + "; give name servers with --dns", e);
        }
        return build(text, dns, dnsSearch, dnsOptions, ipv6);
    }

    /** As {@link #build(Path, List, List, List)}, from the host file's text. */
    public static String build(String host, List<String> dns, List<String> dnsSearch, List<String> dnsOptions)
        throws NetException {
        return build(host, dns, dnsSearch, dnsOptions, false);
    }

    /** As {@link #build(Path, List, List, List, boolean)}, from the host file's text. */
    public static String build(String host, List<String> dns, List<String> dnsSearch, List<String> dnsOptions,
                               boolean ipv6) throws NetException {
        dns = dns == null ? List.of() : dns;
        dnsSearch = dnsSearch == null ? List.of() : dnsSearch;
        dnsOptions = dnsOptions == null ? List.of() : dnsOptions;
        for (String d : dns) {
            if (Addresses.literal(d) == null) {
                throw new NetException.InvalidArgument("IP address is not correctly formatted: " + d
                    + "; give --dns as an IPv4 or IPv6 address");
            }
        }
        for (String s : dnsSearch) {
            if (!s.equals(".") && !domain(s)) {
                throw new NetException.InvalidArgument(s + " is not a valid domain; give --dns-search as a domain"
                    + " name such as example.com, or . for none");
            }
        }
        for (String o : dnsOptions) {
            if (!Addresses.plain(o)) {
                throw new NetException.InvalidArgument("invalid --dns-option \"" + o
                    + "\": give one option without spaces, such as ndots:2");
            }
        }
        if (dns.isEmpty() && dnsSearch.isEmpty() && dnsOptions.isEmpty()) {
            return filter(host, ipv6);
        }
        List<String> servers = dns.isEmpty() ? usable(nameservers(host), ipv6) : dns;
        if (servers.isEmpty()) {
            servers = fallback(ipv6);
        }
        List<String> search = dnsSearch.isEmpty() ? lastWords(host, "search") : dnsSearch;
        List<String> options = dnsOptions.isEmpty() ? allWords(host, "options") : dnsOptions;
        StringBuilder sb = new StringBuilder();
        if (!search.isEmpty() && !(search.size() == 1 && search.get(0).equals("."))) {
            sb.append("search");
            for (String s : search) {
                if (!s.equals(".")) {
                    sb.append(' ').append(s);
                }
            }
            sb.append('\n');
        }
        for (String s : servers) {
            sb.append("nameserver ").append(s).append('\n');
        }
        if (!options.isEmpty()) {
            sb.append("options ").append(String.join(" ", options)).append('\n');
        }
        return sb.toString();
    }

    /** The host's file without the name servers a container cannot use, with the fallback if none is left. */
    private static List<String> fallback(boolean ipv6) {
        if (!ipv6) {
            return FALLBACK;
        }
        List<String> all = new ArrayList<>(FALLBACK);
        all.addAll(FALLBACK6);
        return all;
    }

    private static String filter(String host, boolean ipv6) {
        StringBuilder sb = new StringBuilder();
        boolean any = false;
        for (String line : lines(host)) {
            String[] w = words(line);
            if (w.length >= 2 && w[0].equals("nameserver")) {
                if (!usable(w[1], ipv6)) {
                    continue;
                }
                any = true;
            }
            sb.append(line).append('\n');
        }
        if (!any) {
            for (String s : fallback(ipv6)) {
                sb.append("nameserver ").append(s).append('\n');
            }
        }
        return sb.toString();
    }

    /** Not the host's loopback; IPv6 only for a container with IPv6, and never link-local (its zone means nothing inside). */
    private static boolean usable(String server, boolean ipv6) {
        if (server.indexOf(':') >= 0) {
            return ipv6 && Ip6.valid(server) && !Addresses.isLoopback(server)
                && !server.toLowerCase(java.util.Locale.ROOT).startsWith("fe80:");
        }
        return Inet4.valid(server) && !Addresses.isLoopback(server);
    }

    private static List<String> usable(List<String> servers, boolean ipv6) {
        List<String> out = new ArrayList<>();
        for (String s : servers) {
            if (usable(s, ipv6)) {
                out.add(s);
            }
        }
        return out;
    }

    static List<String> nameservers(String text) {
        List<String> out = new ArrayList<>();
        for (String line : lines(text)) {
            String[] w = words(line);
            if (w.length >= 2 && w[0].equals("nameserver")) {
                out.add(w[1]);
            }
        }
        return out;
    }

    /** The words after the last line starting with {@code key} (resolv.conf(5): the last search wins). */
    private static List<String> lastWords(String text, String key) {
        List<String> out = List.of();
        for (String line : lines(text)) {
            String[] w = words(line);
            if (w.length >= 1 && w[0].equals(key)) {
                out = List.of(w).subList(1, w.length);
            }
        }
        return out;
    }

    /** The words after every line starting with {@code key} (options lines add up). */
    private static List<String> allWords(String text, String key) {
        List<String> out = new ArrayList<>();
        for (String line : lines(text)) {
            String[] w = words(line);
            if (w.length >= 1 && w[0].equals(key)) {
                out.addAll(List.of(w).subList(1, w.length));
            }
        }
        return out;
    }

    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            out.add(text.substring(start, end));
            start = end + 1;
        }
        return out;
    }

    /** Fields split on blanks; a comment (# or ;) at the start of the line is no fields. */
    private static String[] words(String line) {
        String t = line.strip();
        if (t.isEmpty() || t.charAt(0) == '#' || t.charAt(0) == ';') {
            return new String[0];
        }
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < t.length()) {
            while (i < t.length() && (t.charAt(i) == ' ' || t.charAt(i) == '\t')) {
                i++;
            }
            int start = i;
            while (i < t.length() && t.charAt(i) != ' ' && t.charAt(i) != '\t') {
                i++;
            }
            if (i > start) {
                out.add(t.substring(start, i));
            }
        }
        return out.toArray(new String[0]);
    }

    /** A DNS name: labels of letters, digits and inner hyphens, 63 at most each, 255 in all. */
    static boolean domain(String s) {
        if (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.isEmpty() || s.length() > 255) {
            return false;
        }
        int start = 0;
        while (true) {
            int dot = s.indexOf('.', start);
            int end = dot < 0 ? s.length() : dot;
            if (end == start || end - start > 63 || s.charAt(start) == '-' || s.charAt(end - 1) == '-') {
                return false;
            }
            for (int i = start; i < end; i++) {
                char c = s.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                    return false;
                }
            }
            if (dot < 0) {
                return true;
            }
            start = dot + 1;
        }
    }
}
