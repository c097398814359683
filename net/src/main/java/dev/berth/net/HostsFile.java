package dev.berth.net;

import java.util.List;

/**
 * A container's /etc/hosts in docker's layout: the localhost and IPv6 lines, then the
 * {@code --add-host} entries, then the container's own address with its name.
 */
public final class HostsFile {
    /** What {@code --add-host NAME:host-gateway} stands for: the host, seen from the container. */
    public static final String HOST_GATEWAY = "host-gateway";

    private static final String DEFAULTS = "127.0.0.1\tlocalhost\n"
        + "::1\tlocalhost ip6-localhost ip6-loopback\n"
        + "fe00::0\tip6-localnet\n"
        + "ff00::0\tip6-mcastprefix\n"
        + "ff02::1\tip6-allnodes\n"
        + "ff02::2\tip6-allrouters\n";

    private HostsFile() {}

    /**
     * @param hostname   the container's host name
     * @param domainname its domain (docker's --domainname), or null
     * @param ip         its address, or null without a network of its own (then 127.0.1.1, as
     *                   Debian names the host, so that its name still resolves)
     * @param aliases    more names for {@code ip} (network aliases), may be empty
     * @param extraHosts {@code --add-host} values, {@code NAME:IP} or {@code NAME=IP}
     * @param gateway    what {@code host-gateway} means: the gateway of the container's network,
     *                   or null when it has none
     */
    public static String build(String hostname, String domainname, String ip, List<String> aliases,
                               List<String> extraHosts, String gateway) throws NetException {
        return build(hostname, domainname, ip, null, aliases, extraHosts, gateway);
    }

    /**
     * As {@link #build(String, String, String, List, List, String)}, with the container's IPv6
     * address {@code ip6} (null without) on a line of its own after the IPv4 one, with the same
     * names, as docker writes it.
     */
    public static String build(String hostname, String domainname, String ip, String ip6, List<String> aliases,
                               List<String> extraHosts, String gateway) throws NetException {
        if (!Addresses.plain(hostname)) {
            throw new NetException.InvalidArgument("invalid hostname \"" + hostname + "\": give a name without blanks");
        }
        StringBuilder sb = new StringBuilder(DEFAULTS);
        if (extraHosts != null) {
            for (String h : extraHosts) {
                String[] e = parseExtraHost(h, gateway);
                sb.append(e[1]).append('\t').append(e[0]).append('\n');
            }
        }
        StringBuilder names = new StringBuilder();
        if (domainname != null && !domainname.isEmpty()) {
            if (!Addresses.plain(domainname)) {
                throw new NetException.InvalidArgument("invalid domain name \"" + domainname + "\"");
            }
            names.append(hostname).append('.').append(domainname).append(' ');
        }
        names.append(hostname);
        if (aliases != null) {
            for (String a : aliases) {
                if (!Addresses.plain(a)) {
                    throw new NetException.InvalidArgument("invalid alias \"" + a + "\": give a name without blanks");
                }
                if (!a.equals(hostname)) {
                    names.append(' ').append(a);
                }
            }
        }
        sb.append(ip == null ? "127.0.1.1" : ip).append('\t').append(names).append('\n');
        if (ip6 != null) {
            sb.append(ip6).append('\t').append(names).append('\n');
        }
        return sb.toString();
    }

    /**
     * {@code NAME:IP} (or docker's newer {@code NAME=IP}; IPv6 may be in brackets) as
     * {name, address}; {@code host-gateway} becomes {@code gateway}.
     */
    public static String[] parseExtraHost(String value, String gateway) throws NetException {
        int eq = value.indexOf('=');
        int sep = eq >= 0 ? eq : value.indexOf(':');
        if (sep <= 0) {
            throw new NetException.InvalidArgument("bad format for add-host: \"" + value
                + "\"; give it as NAME:IP, e.g. db:10.0.0.5 or myhost:host-gateway");
        }
        String name = value.substring(0, sep);
        String ip = value.substring(sep + 1);
        if (!Addresses.plain(name)) {
            throw new NetException.InvalidArgument("bad format for add-host: \"" + value
                + "\"; the name may not contain blanks, '#' or ';'");
        }
        if (ip.equals(HOST_GATEWAY)) {
            if (gateway == null) {
                throw new NetException.InvalidArgument("--add-host " + value + ": host-gateway needs a network"
                    + " with a gateway; give the host's address instead");
            }
            return new String[] {name, gateway};
        }
        if (ip.length() > 2 && ip.charAt(0) == '[' && ip.charAt(ip.length() - 1) == ']') {
            ip = ip.substring(1, ip.length() - 1);
        }
        if (Addresses.literal(ip) == null) {
            throw new NetException.InvalidArgument("invalid IP address in add-host: \"" + ip
                + "\"; give NAME:IP with an IPv4 or IPv6 address, or NAME:host-gateway");
        }
        return new String[] {name, ip};
    }
}
