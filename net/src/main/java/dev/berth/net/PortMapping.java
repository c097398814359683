package dev.berth.net;

/**
 * One published port, docker's {@code -p [HOSTIP:]HOSTPORT:CONTAINERPORT[/PROTOCOL]}: traffic
 * to {@code hostIp:hostPort} (any address of the host when {@code hostIp} is {@code 0.0.0.0})
 * goes to the container's {@code containerPort}. A null or empty host address means any IPv4
 * address ({@code ::} any IPv6 one); the protocol is {@code tcp} or {@code udp}, and null
 * means tcp.
 *
 * @throws IllegalArgumentException for a port outside 1-65535, another protocol, or a host
 *     address that is not an IP literal
 */
public record PortMapping(String hostIp, int hostPort, int containerPort, String protocol) {
    public static final String ANY = "0.0.0.0";
    /** Every IPv6 address of the host. */
    public static final String ANY6 = "::";

    public PortMapping {
        hostIp = hostIp == null || hostIp.isEmpty() ? ANY : canonical(hostIp);
        checkPort("host port", hostPort);
        checkPort("container port", containerPort);
        protocol = protocol == null ? "tcp" : protocol.strip().toLowerCase(java.util.Locale.ROOT);
        if (!protocol.equals("tcp") && !protocol.equals("udp")) {
            throw new IllegalArgumentException("protocol " + protocol + " cannot be published: use tcp or udp");
        }
    }

    /** {@code -p HOSTPORT:CONTAINERPORT}: tcp, on every address of the host. */
    public static PortMapping tcp(int hostPort, int containerPort) {
        return new PortMapping(ANY, hostPort, containerPort, "tcp");
    }

    /** True when every address of the host (of the mapping's family) is published, not one. */
    public boolean anyHostIp() {
        return hostIp.equals(ANY) || hostIp.equals(ANY6);
    }

    /** Whether the host address is IPv6 ({@code ::} included). */
    public boolean ipv6() {
        return hostIp.indexOf(':') >= 0;
    }

    /** {@code 0.0.0.0:8080->80/tcp} or {@code [::]:8080->80/tcp}, as {@code docker ps} shows it. */
    @Override
    public String toString() {
        return (ipv6() ? "[" + hostIp + "]" : hostIp) + ":" + hostPort + "->" + containerPort + "/" + protocol;
    }

    private static String canonical(String hostIp) {
        if (Inet4.valid(hostIp)) {
            return Inet4.format(Inet4.parse(hostIp));
        }
        if (Ip6.valid(hostIp)) {
            return Ip6.parse(hostIp).toString();
        }
        throw new IllegalArgumentException("host address " + hostIp
            + " is not an IP address: publish on an address of the host, or on all of them");
    }

    private static void checkPort(String what, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " " + port + " is out of range: use 1-65535"
                + (port == 0 ? " (pick a free port before publishing)" : ""));
        }
    }
}
