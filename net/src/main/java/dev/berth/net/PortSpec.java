package dev.berth.net;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * One published port, parsed from docker's {@code -p/--publish}:
 * {@code [IP:][HOSTPORT:]CONTAINERPORT[/PROTO]}, with ranges ({@code 8000-8010:80-90} maps
 * one to one; {@code 8000-8010:80} publishes 80 on one free port of 8000 to 8010), IPv6 hosts in
 * brackets ({@code [::1]:8080:80}) and the long form {@code published=8080,target=80,protocol=udp}.
 *
 * @param hostIp        the host address to publish on; empty for every address
 * @param hostPort      the host port; 0 to pick a free one
 * @param hostPortEnd   the end of the range to pick from when larger than {@code hostPort},
 *                      else equal to it
 * @param containerPort the port inside the container
 * @param protocol      tcp, udp or sctp
 */
public record PortSpec(String hostIp, int hostPort, int hostPortEnd, int containerPort, String protocol) {
    private static final String SYNTAX = "use [IP:][HOSTPORT:]CONTAINERPORT[/PROTO], e.g. 8080:80 or 127.0.0.1:53:53/udp";

    /** Whether the host port is to be picked (0, or a range to pick one from). */
    public boolean pick() {
        return hostPort == 0 || hostPortEnd > hostPort;
    }

    /** Every -p value, in order. */
    public static List<PortSpec> parseAll(Collection<String> specs) throws NetException {
        List<PortSpec> out = new ArrayList<>();
        for (String s : specs) {
            out.addAll(parse(s));
        }
        return out;
    }

    /** One -p value, expanded into one record per container port. */
    public static List<PortSpec> parse(String raw) throws NetException {
        String spec = raw.indexOf('=') >= 0 ? longForm(raw) : raw;
        // docker's split: the last two fields are ports, everything before them the address
        String ip = "";
        String host = "";
        String container;
        int last = spec.lastIndexOf(':');
        if (last < 0) {
            container = spec;
        } else {
            container = spec.substring(last + 1);
            int prev = spec.lastIndexOf(':', last - 1);
            host = spec.substring(prev + 1, last);
            if (prev >= 0) {
                ip = spec.substring(0, prev);
            }
        }
        String proto = "tcp";
        int slash = container.indexOf('/');
        if (slash >= 0) {
            proto = container.substring(slash + 1).toLowerCase(java.util.Locale.ROOT);
            container = container.substring(0, slash);
            if (proto.isEmpty()) {
                proto = "tcp";
            }
        }
        if (container.isEmpty()) {
            throw bad(raw, "no port specified: " + raw + "<empty>");
        }
        if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
            throw bad(raw, "invalid proto: " + proto + " (tcp, udp or sctp)");
        }
        ip = hostIp(raw, ip);
        int[] c = range(container);
        if (c == null || c[0] == 0) {
            throw bad(raw, "invalid containerPort: " + container);
        }
        int[] h = null;
        if (!host.isEmpty()) {
            h = range(host);
            if (h == null || (h[0] == 0 && h[1] != 0)) {
                throw bad(raw, "invalid hostPort: " + host);
            }
            if (c[1] - c[0] != h[1] - h[0] && c[1] != c[0]) {
                throw bad(raw, "invalid ranges specified for container and host Ports: " + container + " and " + host
                    + " (give ranges of the same length, or one container port)");
            }
        }
        List<PortSpec> out = new ArrayList<>();
        for (int i = 0; i <= c[1] - c[0]; i++) {
            int hp = 0;
            int he = 0;
            if (h != null) {
                if (c[0] == c[1]) { // one container port: the host range is where to pick from
                    hp = h[0];
                    he = h[1];
                } else {
                    hp = h[0] + i;
                    he = hp;
                }
            }
            out.add(new PortSpec(ip, hp, he, c[0] + i, proto));
        }
        return out;
    }

    /**
     * docker's {@code -P}: every exposed port ({@code 80}, {@code 80/tcp}, {@code 53/udp},
     * {@code 8000-8010/tcp}) on a host port picked at run time, except those {@code explicit}
     * already publishes (docker lets -p win).
     */
    public static List<PortSpec> publishAll(Collection<String> exposed, List<PortSpec> explicit) throws NetException {
        List<PortSpec> out = new ArrayList<>(explicit);
        for (String e : exposed) {
            if (e.indexOf(':') >= 0) {
                throw new NetException.InvalidArgument("invalid exposed port " + e + ": give PORT[/PROTO], e.g. 80/tcp");
            }
            for (PortSpec p : parse(e)) {
                boolean published = false;
                for (PortSpec x : explicit) {
                    if (x.containerPort == p.containerPort && x.protocol.equals(p.protocol)) {
                        published = true;
                        break;
                    }
                }
                if (!published) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** {@code 0.0.0.0:8080->80/tcp}, as docker ps shows a binding. */
    @Override
    public String toString() {
        String ip = hostIp.isEmpty() ? "0.0.0.0" : hostIp.indexOf(':') >= 0 ? "[" + hostIp + "]" : hostIp;
        String hp = hostPortEnd > hostPort ? hostPort + "-" + hostPortEnd : Integer.toString(hostPort);
        return ip + ":" + hp + "->" + containerPort + "/" + protocol;
    }

    private static String hostIp(String raw, String ip) throws NetException {
        if (ip.isEmpty()) {
            return ip;
        }
        String bare = ip;
        if (ip.charAt(0) == '[') {
            if (ip.charAt(ip.length() - 1) != ']') {
                throw bad(raw, "invalid IP address " + ip + ": missing ']'");
            }
            bare = ip.substring(1, ip.length() - 1);
        }
        if (Addresses.literal(bare) == null) {
            throw bad(raw, "invalid IP address: " + bare);
        }
        return bare;
    }

    /** {@code N} or {@code N-M} with 0 <= N <= M <= 65535, as {start, end}; null when malformed. */
    private static int[] range(String s) {
        int dash = s.indexOf('-');
        int a = number(dash < 0 ? s : s.substring(0, dash));
        int b = dash < 0 ? a : number(s.substring(dash + 1));
        if (a < 0 || b < 0 || b < a) {
            return null;
        }
        return new int[] {a, b};
    }

    private static int number(String s) {
        if (s.isEmpty() || s.length() > 5) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v > 65535 ? -1 : v;
    }

    /** The long form of --publish, turned into the short one (docker's convertToStandardNotation). */
    private static String longForm(String raw) throws NetException {
        String target = null;
        String published = null;
        String protocol = "tcp";
        for (String kv : raw.split(",")) {
            int eq = kv.indexOf('=');
            if (eq < 0) {
                throw bad(raw, "invalid field \"" + kv + "\": the long form is published=P,target=P[,protocol=tcp|udp]");
            }
            String k = kv.substring(0, eq);
            String v = kv.substring(eq + 1);
            if (k.equals("target")) {
                target = v;
            } else if (k.equals("published")) {
                published = v;
            } else if (k.equals("protocol")) {
                protocol = v;
            } else if (!k.equals("mode")) {
                throw bad(raw, "invalid field key \"" + k + "\": use published, target, protocol or mode");
            }
        }
        if (target == null) {
            throw bad(raw, "missing target port: the long form needs target=PORT");
        }
        return (published == null ? "" : published + ":") + target + "/" + protocol;
    }

    private static NetException.InvalidArgument bad(String raw, String what) {
        return new NetException.InvalidArgument(what + " (in -p " + raw + "; " + SYNTAX + ")");
    }
}
