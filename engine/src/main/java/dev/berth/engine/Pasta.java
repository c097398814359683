package dev.berth.engine;

import dev.berth.linux.Procs;
import dev.berth.linux.Signals;
import dev.berth.net.HostPorts;
import dev.berth.net.HostsFile;
import dev.berth.net.NetException;
import dev.berth.net.PortSpec;
import dev.berth.net.PublishedPort;
import dev.berth.net.ResolvConf;
import dev.berth.runtime.ProgramCompiler;
import dev.berth.runtime.stage.Program;
import dev.berth.runtime.stage.Signaller;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code --network pasta[:OPTIONS]}: the container's network namespace is connected to the
 * host's by pasta(1) (Debian's {@code passt}), as podman connects rootless containers. pasta
 * gives it a tap interface with the host's addresses and routes, carries its traffic through
 * sockets of the host, and forwards the published host ports into it. It needs no privilege,
 * so it is what a user's containers use.
 *
 * <p>Lifetime: pasta is given the namespace as the file {@code DIR/ns/net} and quits when that
 * file is deleted (it watches the directory). The monitor deletes it when the container is gone
 * ({@link ProgramCompiler#netnsUntilExit}); {@link #release} deletes it when a monitor that was
 * killed could not. As root the file is a bind mount of the namespace, made by the monitor:
 * pasta keeps too few capabilities to open another root process's {@code /proc/PID/ns/net}. A
 * user's engine makes it a symlink to {@code /proc/PID/ns/net}, which the user may open.
 */
final class Pasta {
    static final String MODE = "pasta";
    /** The container's name server: pasta answers it by asking the host's first resolver (podman's address). */
    static final String DNS_FORWARD = "169.254.0.1";
    private static final long SETUP_SECONDS = 10;

    /** What a container on pasta holds: the options given after {@code pasta:} and its host ports. */
    record Plan(List<String> options, List<PublishedPort> ports) {}

    private Pasta() {}

    /** {@code pasta} or {@code pasta:OPTIONS}. */
    static boolean isMode(String network) {
        return network != null && (network.equals(MODE) || network.startsWith(MODE + ":"));
    }

    /** The pasta program on PATH, or a one-line error that says how to get it. */
    static Path binary(String why) throws EngineException {
        String path = System.getenv("PATH");
        for (String d : (path == null || path.isEmpty() ? "/usr/local/bin:/usr/bin:/bin" : path).split(File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, "pasta");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new EngineException.NotFound("pasta is not installed (" + why + "): install it with apt-get install passt");
    }

    /**
     * Whether a user's container gets pasta by default (podman's rootless default): pasta is
     * installed and the user may open {@code /dev/net/tun}. Otherwise the default is {@code none}:
     * a default that failed every run would be worse than one without a network.
     */
    static boolean usable() {
        try {
            check("the default network", true);
            return true;
        } catch (EngineException e) {
            return false;
        }
    }

    /**
     * Before anything is made: pasta is there, and a user may open the tun device it creates its
     * interface with (Debian's udev makes {@code /dev/net/tun} 0666; some machines keep it root's).
     */
    static void check(String why, boolean rootless) throws EngineException {
        binary(why);
        Path tun = Path.of("/dev/net/tun");
        if (rootless && !(Files.isReadable(tun) && Files.isWritable(tun))) {
            throw new EngineException.PermissionDenied("rootless: pasta cannot open " + tun + " (" + why + "): make it"
                + " usable by users as Debian's udev does (as root: chmod 0666 " + tun + "), or run as root");
        }
    }

    /** Before the container exists: the options checked and its host ports taken. */
    static Plan reserve(Path root, String id, ContainerRequest r, String mode) throws EngineException {
        List<String> options = options(mode);
        if (r.ip != null || r.ip6 != null) {
            String flag = r.ip != null ? "--ip" : "--ip6";
            throw new EngineException.InvalidArgument(flag + " needs a bridge network: on pasta the container has the"
                + " host's address; drop " + flag);
        }
        if (r.publishAll || !r.networkAliases.isEmpty()) {
            throw new EngineException.InvalidArgument((r.publishAll ? "-P" : "--network-alias") + " needs a bridge"
                + " network: on pasta publish with -p, and there are no names; use --network bridge or a user network");
        }
        try {
            List<PortSpec> specs = PortSpec.parseAll(r.publish);
            for (PortSpec s : specs) {
                if (!s.protocol().equals("tcp") && !s.protocol().equals("udp")) {
                    throw new EngineException.InvalidArgument("pasta forwards tcp and udp ports only: drop -p "
                        + s.containerPort() + "/" + s.protocol() + " or use --network bridge");
                }
            }
            return new Plan(options, new HostPorts(Networking.networks(root)).publish(id, specs));
        } catch (NetException e) {
            throw Networking.map(e);
        }
    }

    /** The options after {@code pasta:}, comma-separated as podman takes them. */
    static List<String> options(String mode) throws EngineException {
        List<String> out = new ArrayList<>();
        if (mode.length() <= MODE.length() + 1) {
            return out;
        }
        for (String o : mode.substring(MODE.length() + 1).split(",", -1)) {
            if (o.isEmpty()) {
                throw new EngineException.InvalidArgument("--network " + mode + ": an empty pasta option;"
                    + " give them comma-separated, e.g. pasta:--mtu,1500");
            }
            // berth gives these itself: others would make pasta outlive the container or vanish from view
            if (o.equals("--netns") || o.equals("--userns") || o.equals("-P") || o.equals("--pid")
                || o.equals("-f") || o.equals("--foreground") || o.equals("--netns-only") || o.equals("--no-netns-quit")) {
                throw new EngineException.InvalidArgument("--network " + mode + ": berth sets " + o
                    + " itself (pasta is tied to the container's namespace); drop it");
            }
            out.add(o);
        }
        return out;
    }

    /** /etc/hosts (no address of its own to name: it has the host's) and resolv.conf with pasta's forwarder. */
    static Map<String, String> etcFiles(Plan p, String hostname, ContainerRequest r) throws EngineException {
        try {
            Map<String, String> files = new LinkedHashMap<>();
            files.put("hosts", HostsFile.build(hostname, null, null, List.of(), r.extraHosts, null));
            List<String> dns = r.dns.isEmpty() ? List.of(dnsForward(p.options())) : r.dns;
            files.put("resolv.conf", ResolvConf.build(ResolvConf.hostPath(), dns, r.dnsSearch, r.dnsOptions));
            return files;
        } catch (NetException e) {
            throw Networking.map(e);
        }
    }

    private static String dnsForward(List<String> options) {
        int i = options.indexOf("--dns-forward");
        return i >= 0 && i + 1 < options.size() ? options.get(i + 1) : DNS_FORWARD;
    }

    /** The namespace file pasta watches, and the records that keep it for as long as the container. */
    static Path prepare(Path dir, Program program, boolean rootless) throws IOException {
        Path ns = Files.createDirectory(dir.resolve("ns"));
        // pasta may run as another user than the directory's owner: it must list this one to watch it
        Files.setPosixFilePermissions(ns, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = ns.resolve("net");
        ProgramCompiler.netnsUntilExit(program, file, !rootless);
        return file;
    }

    /** pasta's command line, podman's defaults first (see docs/networking.md). */
    static List<String> command(Path binary, Plan p, Path nsFile, Path pidFile, long pid, boolean rootless) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.add("--config-net");
        boolean tcp = false;
        boolean udp = false;
        boolean tcpNs = false;
        boolean udpNs = false;
        boolean mapGw = false;
        boolean runas = false;
        for (String o : p.options()) {
            tcp |= o.equals("-t") || o.equals("--tcp-ports");
            udp |= o.equals("-u") || o.equals("--udp-ports");
            tcpNs |= o.equals("-T") || o.equals("--tcp-ns");
            udpNs |= o.equals("-U") || o.equals("--udp-ns");
            runas |= o.equals("--runas");
            if (o.equals("--map-gw")) { // podman's, not pasta's: the opposite of our default --no-map-gw
                mapGw = true;
            } else {
                cmd.add(o);
            }
        }
        for (PublishedPort port : p.ports()) {
            boolean isTcp = port.protocol().equals("tcp");
            tcp |= isTcp;
            udp |= !isTcp;
            cmd.add(isTcp ? "-t" : "-u");
            cmd.add((port.hostIp().isEmpty() ? "" : port.hostIp() + "/") + port.hostPort() + ":" + port.containerPort());
        }
        // no port forwarding but what was asked for (pasta's default forwards every bound port)
        addPair(cmd, !tcp, "-t", "none");
        addPair(cmd, !udp, "-u", "none");
        addPair(cmd, !tcpNs, "-T", "none");
        addPair(cmd, !udpNs, "-U", "none");
        if (!mapGw) {
            cmd.add("--no-map-gw");
        }
        if (!p.options().contains("--dns-forward")) {
            cmd.add("--dns-forward");
            cmd.add(DNS_FORWARD);
        }
        if (rootless) {
            cmd.add("--userns");
            cmd.add("/proc/" + pid + "/ns/user");
        } else if (!runas) {
            // pasta turns root into nobody, and the pasta of Debian 12 loses CAP_SYS_ADMIN with it,
            // so it could not join the namespace; it still drops every other capability
            cmd.add("--runas");
            cmd.add("0:0");
        }
        cmd.addAll(List.of("--quiet", "-P", pidFile.toString(), "--netns", nsFile.toString()));
        return cmd;
    }

    private static void addPair(List<String> cmd, boolean add, String option, String value) {
        if (add) {
            cmd.add(option);
            cmd.add(value);
        }
    }

    /** pasta as it runs: its pid and start time, and the command that started it. */
    record Running(long pid, long startTime, List<String> command) {}

    /**
     * Starts pasta for the container whose first process is {@code pid}, once its network
     * namespace exists and before its command runs. pasta configures the namespace, forks to
     * the background and its first process exits: then the container's network is up.
     */
    static Running start(Plan p, Path dir, Path nsFile, long pid, boolean rootless) throws EngineException {
        Path binary = binary("--network pasta");
        Path log = dir.resolve("pasta.log");
        Path pidFile = dir.resolve("pasta.pid");
        List<String> cmd = command(binary, p, nsFile, pidFile, pid, rootless);
        try {
            if (rootless) {
                Files.createSymbolicLink(nsFile, Path.of("/proc/" + pid + "/ns/net"));
            }
            Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!proc.waitFor(SETUP_SECONDS, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                throw new EngineException.SystemFailure("pasta did not set up the container's network in "
                    + SETUP_SECONDS + " s; see " + log, null);
            }
            if (proc.exitValue() != 0) {
                String error = lastError(log);
                // pasta copies the host's addresses and routes: without a default route it has none
                String hint = error.contains("interface") ? "; the host needs a default route (pasta copies the"
                    + " addresses of its interface)" : "; check the options after pasta:";
                throw new EngineException.SystemFailure("pasta failed: " + error + hint + " (ran "
                    + String.join(" ", cmd) + ")", null);
            }
            long pastaPid = Long.parseLong(Files.readString(pidFile).strip());
            return new Running(pastaPid, Procs.startTime(pastaPid), cmd);
        } catch (IOException | NumberFormatException e) {
            throw new EngineException.SystemFailure("cannot start pasta: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException.SystemFailure("interrupted while pasta set up the network", e);
        }
    }

    /** pasta's last word, without its complaints about a missing syslog. */
    private static String lastError(Path log) throws IOException {
        String last = "exit status without a message";
        for (String line : Files.readAllLines(log)) {
            String l = line.strip();
            if (!l.isEmpty() && !l.startsWith("Failed to send")) {
                last = l;
            }
        }
        return last;
    }

    /** docker inspect's NetworkSettings: the published ports, and pasta's process. */
    static Map<String, Object> settings(Plan p, Running running) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Bridge", "");
        s.put("Ports", Networking.ports(p.ports()));
        Map<String, Object> networks = new LinkedHashMap<>();
        networks.put(MODE, new LinkedHashMap<String, Object>());
        s.put("Networks", networks);
        if (running != null) {
            Map<String, Object> pasta = new LinkedHashMap<>();
            pasta.put("Pid", running.pid());
            pasta.put("StartTime", running.startTime());
            pasta.put("Command", running.command());
            s.put("Pasta", pasta);
        }
        return s;
    }

    /**
     * Once the container is gone: its namespace file (a monitor that was killed left it, and
     * pasta with it) and pasta itself, should it not have quit; then its host ports.
     */
    static void release(Path root, Path dir, String id, Map<String, Object> state) throws EngineException {
        Path ns = dir.resolve("ns").resolve("net");
        if (Files.exists(ns, LinkOption.NOFOLLOW_LINKS)) {
            try {
                if (mounted(ns)) {
                    Netns.unmount(ns);
                }
                Files.deleteIfExists(ns);
            } catch (IOException e) {
                throw new EngineException.SystemFailure("cannot remove " + ns + ": " + e.getMessage(), e);
            }
        }
        stop(state);
        Networking.release(root, id, false);
    }

    /** A bind mount of a namespace lies on nsfs, not on the file system of its directory. */
    private static boolean mounted(Path file) throws IOException {
        Object dev = Files.getAttribute(file, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        return !dev.equals(Files.getAttribute(file.getParent(), "unix:dev", LinkOption.NOFOLLOW_LINKS));
    }

    /** pasta quits within milliseconds of its file's deletion; one that did not is told to. */
    private static void stop(Map<String, Object> state) throws EngineException {
        Map<String, Object> settings = state == null ? null : dev.berth.runtime.json.Json.map(state, "NetworkSettings");
        Map<String, Object> pasta = settings == null ? null : dev.berth.runtime.json.Json.map(settings, "Pasta");
        if (pasta == null || !(pasta.get("Pid") instanceof Number pid) || !(pasta.get("StartTime") instanceof Number start)) {
            return;
        }
        for (int i = 0; i < 100 && Procs.alive(pid.longValue(), start.longValue()); i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (Procs.alive(pid.longValue(), start.longValue())) {
            try {
                Signaller.signal(List.of(new Signaller.Target(pid.longValue(), start.longValue())), Signals.SIGTERM);
            } catch (IOException e) {
                throw new EngineException.SystemFailure("cannot stop pasta (pid " + pid + "): " + e.getMessage(), e);
            }
        }
    }
}
