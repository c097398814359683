package dev.berth.net;

/**
 * One published port, docker's {@code -p [HOSTIP:]HOSTPORT:CONTAINERPORT[/PROTOCOL]}: traffic
 * to {@code hostIp:hostPort} (any address of the host when {@code hostIp} is {@code 0.0.0.0})
 * goes to the container's {@code containerPort}. A null or empty host address means any; the
 * protocol is {@code tcp} or {@code udp}, and null means tcp.
 *
 * @throws IllegalArgumentException for a port outside 1-65535, another protocol, or a host
 *     address that is not IPv4
 */
public record PortMapping(String hostIp, int hostPort, int containerPort, String protocol) {
    public static final String ANY = "0.0.0.0";

    public PortMapping {
        hostIp = hostIp == null || hostIp.isEmpty() ? ANY : ipv4(hostIp);
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

    /** True when every address of the host is published, not one. */
    public boolean anyHostIp() {
        return hostIp.equals(ANY);
    }

    /** {@code 0.0.0.0:8080->80/tcp}, as {@code docker ps} shows it. */
    @Override
    public String toString() {
        return hostIp + ":" + hostPort + "->" + containerPort + "/" + protocol;
    }

    private static String ipv4(String hostIp) {
        if (!Inet4.valid(hostIp)) {
            throw new IllegalArgumentException("host address " + hostIp
                + " is not an IPv4 address: publish on an IPv4 address of the host, or on all of them");
        }
        return Inet4.format(Inet4.parse(hostIp));
    }

    private static void checkPort(String what, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " " + port + " is out of range: use 1-65535"
                + (port == 0 ? " (pick a free port before publishing)" : ""));
        }
    }
}
