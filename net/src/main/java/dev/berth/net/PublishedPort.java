package dev.berth.net;

/**
 * A host port given to a container: what {@link HostPorts} hands to the firewall.
 *
 * @param hostIp empty for every address of the host
 */
public record PublishedPort(String containerId, String hostIp, int hostPort, int containerPort, String protocol) {
    /** {@code 0.0.0.0:8080->80/tcp}, as docker ps shows it. */
    @Override
    public String toString() {
        String ip = hostIp.isEmpty() ? "0.0.0.0" : hostIp.indexOf(':') >= 0 ? "[" + hostIp + "]" : hostIp;
        return ip + ":" + hostPort + "->" + containerPort + "/" + protocol;
    }
}
