package dev.berth.api;

import dev.berth.engine.ContainerRequest;
import dev.berth.linux.NsKind;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /containers/create}: docker's Config, HostConfig and NetworkingConfig onto a
 * {@link ContainerRequest}, as {@code berth run}'s flags are (the network mode through the same
 * {@link ContainerRequest#networkMode}). A field berth cannot honour is refused, not dropped.
 */
final class CreateBody {
    private CreateBody() {}

    static ContainerRequest map(Map<String, Object> json, String name) throws BadRequest {
        Body c = new Body(json, "");
        Body h = c.object("HostConfig");
        String image = c.str("Image");
        if (image == null || image.isEmpty()) {
            throw new BadRequest("config cannot be empty in order to create a container: give an image");
        }
        ContainerRequest r = ContainerRequest.image(Images.normalize(image)).command(c.strings("Cmd"));
        if (json.get("Entrypoint") != null) { // given: it replaces the image's ([""] for none)
            List<String> entrypoint = c.strings("Entrypoint");
            r.entrypoint(entrypoint.size() == 1 && entrypoint.get(0).isEmpty() ? List.of() : entrypoint);
        }
        if (name != null && !name.isEmpty()) {
            r.name(name.startsWith("/") ? name.substring(1) : name);
        }
        for (String e : c.strings("Env")) {
            if (e.indexOf('=') < 0) {
                continue; // docker drops a name without a value that the client did not resolve
            }
            r.env(e);
        }
        String hostname = c.str("Hostname");
        r.hostname(hostname == null || hostname.isEmpty() ? null : hostname);
        r.user(empty(c.str("User"))).workdir(empty(c.str("WorkingDir")));
        r.tty(c.bool("Tty")).stdin(c.bool("OpenStdin"));
        c.strMap("Labels").forEach(r::label);
        String stopSignal = empty(c.str("StopSignal"));
        if (stopSignal != null) {
            r.stopSignal(stopSignal);
        }
        healthcheck(c.object("Healthcheck"), r);
        for (String port : c.raw("ExposedPorts").keySet()) {
            r.expose(port);
        }
        for (String path : c.raw("Volumes").keySet()) {
            r.volume(path); // docker run -v /PATH: an anonymous volume, sent as Config.Volumes
        }
        hostConfig(h, r);
        endpoints(c.object("NetworkingConfig"), h, r);
        return r;
    }

    /**
     * Config.Healthcheck as docker run's --health-* flags send it: durations in nanoseconds (0:
     * the image's, else docker's default), {@code Test ["NONE"]} for --no-healthcheck. The
     * engine checks the values with docker's messages.
     */
    private static void healthcheck(Body h, ContainerRequest r) throws BadRequest {
        List<String> test = h.strings("Test");
        long[] d = {num(h, "Interval"), num(h, "Timeout"), num(h, "StartPeriod"), num(h, "StartInterval")};
        long retries = num(h, "Retries");
        if (test.isEmpty() && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 0 && retries == 0) {
            return; // none given (or an empty object): the image's
        }
        r.healthcheck(new dev.berth.engine.HealthConfig(test, d[0], d[1], d[2], d[3], (int) retries));
    }

    private static long num(Body b, String key) throws BadRequest {
        Long v = b.num(key);
        return v == null ? 0 : v;
    }

    /**
     * NetworkingConfig.EndpointsConfig: the aliases and address on the container's network
     * (what docker run --network-alias and --ip send). berth joins one network at create;
     * more are connected afterwards (docker network connect).
     */
    private static void endpoints(Body networking, Body h, ContainerRequest r) throws BadRequest {
        Map<String, Object> endpoints = networking.raw("EndpointsConfig");
        if (endpoints.isEmpty()) {
            return;
        }
        String mode = empty(h.str("NetworkMode"));
        if (endpoints.size() > 1) {
            throw new BadRequest("a container joins one network at create: connect the others once it runs"
                + " (docker network connect)");
        }
        String network = endpoints.keySet().iterator().next();
        if (network.equals("default") || network.equals("none") || network.equals("host")
            || network.startsWith("container:")) {
            return; // berth's default, or a mode that is no network to join
        }
        if (mode != null && !mode.equals("default") && !mode.equals(network)) {
            throw new BadRequest("NetworkingConfig names network " + network + " but HostConfig.NetworkMode is " + mode
                + ": give the same network in both");
        }
        if (mode == null || mode.equals("default")) {
            r.networkMode(network);
        }
        Body e = networking.object("EndpointsConfig").object(network);
        e.strings("Aliases").forEach(r::networkAlias);
        String ip = empty(e.object("IPAMConfig").str("IPv4Address"));
        if (ip != null) {
            r.ip(ip);
        }
        String ip6 = empty(e.object("IPAMConfig").str("IPv6Address"));
        if (ip6 != null) {
            r.ip6(ip6);
        }
    }

    private static void hostConfig(Body h, ContainerRequest r) throws BadRequest {
        r.autoRemove(h.bool("AutoRemove")).privileged(h.bool("Privileged")).readOnly(h.bool("ReadonlyRootfs"))
            .init(h.bool("Init")).publishAll(h.bool("PublishAllPorts"));
        Body restart = h.object("RestartPolicy");
        Long retries = restart.num("MaximumRetryCount");
        try {
            r.restart(dev.berth.engine.RestartPolicy.of(restart.str("Name"), retries == null ? 0 : retries.intValue()));
        } catch (dev.berth.engine.EngineException e) {
            throw new BadRequest(e.getMessage());
        }
        String mode = empty(h.str("NetworkMode"));
        if (mode != null && !mode.equals("default")) {
            r.networkMode(mode);
        }
        namespace(h, "PidMode", NsKind.PID, r);
        namespace(h, "IpcMode", NsKind.IPC, r);
        namespace(h, "UTSMode", NsKind.UTS, r);
        namespace(h, "UsernsMode", NsKind.USER, r);
        namespace(h, "CgroupnsMode", NsKind.CGROUP, r);
        h.strings("Binds").forEach(r::volume);
        for (Body m : h.objects("Mounts")) {
            r.mount(mount(m));
        }
        h.strMap("Tmpfs").forEach((path, opts) -> r.tmpfs(opts.isEmpty() ? path : path + ":" + opts));
        for (Body d : h.objects("Devices")) {
            String perms = empty(d.str("CgroupPermissions"));
            String inside = empty(d.str("PathInContainer"));
            r.device(d.str("PathOnHost") + (inside == null ? "" : ":" + inside) + (perms == null ? "" : ":" + perms));
        }
        h.strings("CapAdd").forEach(r::capAdd);
        h.strings("CapDrop").forEach(r::capDrop);
        h.strings("SecurityOpt").forEach(r::securityOpt);
        h.strMap("Sysctls").forEach(r::sysctl);
        for (Body u : h.objects("Ulimits")) {
            r.ulimit(u.str("Name") + "=" + u.num("Soft") + ":" + u.num("Hard"));
        }
        h.strings("ExtraHosts").forEach(r::addHost);
        r.dns(h.strings("Dns"), h.strings("DnsSearch"), h.strings("DnsOptions"));
        for (Map.Entry<String, Object> e : h.raw("PortBindings").entrySet()) {
            ports(h, e.getKey(), e.getValue(), r);
        }
        Long memory = h.num("Memory");
        if (memory != null && memory > 0) {
            r.memory(memory);
        }
        Long swap = h.num("MemorySwap");
        if (swap != null && swap != 0) {
            r.memorySwap(swap);
        }
        Long reservation = h.num("MemoryReservation");
        if (reservation != null && reservation > 0) {
            r.memoryReservation(reservation);
        }
        Long nanoCpus = h.num("NanoCpus");
        if (nanoCpus != null && nanoCpus > 0) {
            r.cpus(nanoCpus / 1e9);
        }
        Long shares = h.num("CpuShares");
        if (shares != null && shares > 0) {
            r.cpuShares(shares);
        }
        String cpus = empty(h.str("CpusetCpus"));
        if (cpus != null) {
            r.cpusetCpus(cpus);
        }
        String mems = empty(h.str("CpusetMems"));
        if (mems != null) {
            r.cpusetMems(mems);
        }
        Long pids = h.num("PidsLimit");
        if (pids != null && pids > 0) {
            r.pidsLimit(pids);
        }
        long[] size = h.numbers("ConsoleSize");
        if (size != null && size.length == 2 && size[0] > 0 && size[1] > 0) {
            r.terminalSize((int) size[0], (int) size[1]);
        }
    }

    private static void namespace(Body h, String key, NsKind kind, ContainerRequest r) throws BadRequest {
        String v = empty(h.str(key));
        if (v != null) {
            r.namespace(kind, v);
        }
    }

    /** A HostConfig.Mounts entry as --mount's text. */
    private static String mount(Body m) throws BadRequest {
        String type = m.str("Type");
        String target = m.str("Target");
        if (target == null || target.isEmpty()) {
            throw new BadRequest("invalid mount config: Target must not be empty");
        }
        StringBuilder sb = new StringBuilder("type=").append(type).append(",target=").append(target);
        if ("bind".equals(type)) {
            sb.append(",source=").append(m.str("Source"));
            Body opts = m.object("BindOptions");
            String prop = empty(opts.str("Propagation"));
            if (prop != null) {
                sb.append(",bind-propagation=").append(prop);
            }
        } else if ("tmpfs".equals(type)) {
            Body opts = m.object("TmpfsOptions");
            Long bytes = opts.num("SizeBytes");
            if (bytes != null && bytes > 0) {
                sb.append(",tmpfs-size=").append(bytes);
            }
            Long modeBits = opts.num("Mode");
            if (modeBits != null && modeBits > 0) {
                sb.append(",tmpfs-mode=").append(Long.toOctalString(modeBits));
            }
        } else if ("volume".equals(type)) {
            String source = empty(m.str("Source"));
            if (source != null) {
                sb.append(",source=").append(source);
            }
            Body opts = m.object("VolumeOptions");
            if (opts.bool("NoCopy")) {
                sb.append(",volume-nocopy");
            }
            for (Map.Entry<String, String> l : opts.strMap("Labels").entrySet()) {
                sb.append(",volume-label=").append(l.getKey()).append('=').append(l.getValue());
            }
            Body driver = opts.object("DriverConfig");
            String name = empty(driver.str("Name"));
            if (name != null) {
                sb.append(",volume-driver=").append(name);
            }
            for (Map.Entry<String, String> o : driver.strMap("Options").entrySet()) {
                if (o.getValue().contains(",")) {
                    throw new BadRequest("volume option " + o.getKey() + " holds a comma, which berth cannot pass on;"
                        + " create the volume first (docker volume create -o) and mount it by name");
                }
                sb.append(",volume-opt=").append(o.getKey()).append('=').append(o.getValue());
            }
        } else {
            throw new BadRequest("mount type \"" + type + "\" is not supported: use bind, volume or tmpfs");
        }
        if (m.bool("ReadOnly")) {
            sb.append(",readonly");
        }
        return sb.toString();
    }

    /** {@code "80/tcp": [{"HostIp": "", "HostPort": "8080"}]} as -p's {@code [IP:][HOSTPORT:]80/tcp}. */
    private static void ports(Body h, String port, Object bindings, ContainerRequest r) throws BadRequest {
        if (bindings == null) {
            r.publish(port);
            return;
        }
        if (!(bindings instanceof List<?> list)) {
            throw new BadRequest("json: cannot unmarshal into field HostConfig.PortBindings of type []PortBinding");
        }
        Body holder = new Body(Map.of("b", list), "HostConfig.PortBindings.");
        for (Body b : holder.objects("b")) {
            String ip = empty(b.str("HostIp"));
            String hostPort = empty(b.str("HostPort"));
            String spec = (ip == null ? "" : (ip.contains(":") ? "[" + ip + "]" : ip) + ":")
                + (hostPort == null ? (ip == null ? "" : ":") : hostPort + ":") + port;
            r.publish(spec);
        }
    }

    private static String empty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
