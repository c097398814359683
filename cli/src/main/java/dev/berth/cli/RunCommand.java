package dev.berth.cli;

import static dev.berth.cli.Flags.values;

import dev.berth.engine.Container;
import dev.berth.engine.ContainerRequest;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.linux.NsKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth run [OPTIONS] IMAGE [COMMAND [ARG...]]}, and {@code berth create} with the same flags. */
final class RunCommand {
    static final Flags FLAGS = flags(new Flags("berth run [OPTIONS] IMAGE|--rootfs DIR [COMMAND [ARG...]]")
        .bool("d", "detach", "Run in the background and print the container id"));
    /** run's flags but -d: a created container does not run yet (berth start runs it). */
    static Flags create() {
        return Create.FLAGS;
    }

    /** Made on first use: a cold {@code berth run} built both sets of ~60 flags (~0.3 ms). */
    private static final class Create {
        static final Flags FLAGS = flags(new Flags("berth create [OPTIONS] IMAGE|--rootfs DIR [COMMAND [ARG...]]"));
    }

    private static Flags flags(Flags f) {
        return HealthcheckCommand.flags(Resources.flags(f
            .bool("i", "interactive", "Keep stdin open")
            .bool("t", "tty", "Allocate a terminal")
            .bool(null, "rm", "Remove the container when it exits")
            .value(null, "restart", "POLICY", "Restart policy when the container exits: no (default), on-failure[:N],"
                + " always, unless-stopped")
            .bool(null, "init", "Run an init process as PID 1 that reaps and forwards signals")
            .bool(null, "read-only", "Mount the root filesystem read-only")
            .value(null, "name", "NAME", "Name the container")
            .value("h", "hostname", "NAME", "Container hostname (default: the first 12 characters of the id)")
            .value("e", "env", "NAME=VALUE", "Set an environment variable (repeatable)")
            .value(null, "env-file", "FILE", "Read environment variables from a file (repeatable)")
            .value("w", "workdir", "DIR", "Working directory inside the container")
            .value("u", "user", "USER[:GROUP]", "User name or uid, and group, inside the container")
            .value(null, "rootfs", "DIR", "Use an unpacked root filesystem instead of an image")
            .value(null, "entrypoint", "PROGRAM", "Overwrite the image's entrypoint (and drop its command); \"\" for none")
            .value("l", "label", "KEY=VALUE", "Set a label, over the image's (repeatable)")
            .value(null, "pull", "POLICY", "Pull the image: missing (default, when it is not in the store), always, never")
            .value(null, "stop-signal", "SIGNAL", "Signal stop sends first (default: the image's StopSignal, else SIGTERM)")
            .value(null, "pid", "MODE", "PID namespace: private, host, container:NAME or a /proc/PID/ns/pid path")
            .value(null, "uts", "MODE", "UTS namespace: private, host, container:NAME or a path")
            .value(null, "ipc", "MODE", "IPC namespace: private, host, container:NAME or a path")
            .value(null, "network", "NETWORK", "bridge (berth0, NAT to the outside; root's default), a network of berth"
            + " network create, pasta[:OPTIONS] (the host's network through pasta(1); a user's default where pasta"
            + " is installed), none (loopback only), host, container:NAME or a namespace path;"
            + " $BERTH_DEFAULT_NETWORK changes the default")
            .value(null, "net", "NETWORK", "Same as --network")
            .value("p", "publish", "[IP:][HOSTPORT:]PORT[/PROTO]", "Publish a container's port on the host (repeatable)")
            .value(null, "ip", "ADDRESS", "The container's address on its network")
            .value(null, "ip6", "ADDRESS", "The container's IPv6 address on its network (one made with --ipv6)")
            .value(null, "expose", "PORT[/PROTO]", "Expose a port or a range of ports (repeatable)")
            .bool("P", "publish-all", "Publish all exposed ports to random host ports")
            .value(null, "network-alias", "NAME", "One more name for the container on a user-defined network (repeatable)")
            .value(null, "dns", "ADDRESS", "A name server for /etc/resolv.conf (repeatable)")
            .value(null, "dns-search", "DOMAIN", "A search domain for /etc/resolv.conf (repeatable)")
            .value(null, "dns-option", "OPTION", "An option for /etc/resolv.conf (repeatable)")
            .value(null, "add-host", "NAME:IP", "A line for /etc/hosts; IP may be host-gateway (repeatable)")
            .value(null, "cgroupns", "MODE", "Cgroup namespace: private or host")
            .value(null, "userns", "MODE", "User namespace: host (default), private (root maps to the berth subuid range), container:NAME or a path")
            .bool(null, "userns-remap", "Same as --userns=private")
            .value(null, "time", "MODE", "Time namespace: host (default), private, container:NAME or a path")
            .value(null, "time-offset", "CLOCK=SECONDS,...", "Time namespace offsets: monotonic=N,boottime=N")
            .bool(null, "privileged", "Give every capability, no seccomp filter, the host's devices and a writable /sys")
            .value(null, "cap-add", "CAP", "Add a capability, or ALL (repeatable)")
            .value(null, "cap-drop", "CAP", "Drop a capability, or ALL (repeatable)")
            .value(null, "security-opt", "OPT", "no-new-privileges, seccomp=unconfined|FILE, systempaths=unconfined (repeatable)")
            .value(null, "ulimit", "TYPE=SOFT[:HARD]", "Set a resource limit, e.g. nofile=1024:2048 (repeatable)")
            .value(null, "sysctl", "NAME=VALUE", "Set a namespaced sysctl, e.g. net.ipv4.ip_forward=1 (repeatable)")
            .value("v", "volume", "SOURCE:CONTAINER[:ro]", "Bind-mount a host path or mount a volume; CONTAINER alone: an anonymous volume (repeatable)")
            .value(null, "mount", "type=bind|volume|tmpfs,...", "Attach a mount: type=bind|volume,source=,target=,readonly,volume-nocopy (repeatable)")
            .value(null, "tmpfs", "PATH[:OPTS]", "Mount a tmpfs, e.g. /run:size=64m (repeatable)")
            .value(null, "device", "HOST[:CONTAINER[:rwm]]", "Add a host device (repeatable)")));
    }

    private final Path root;

    RunCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        return run(args, false);
    }

    /** {@code berth create}: the container is made, its name claimed and its request kept; prints its id. */
    int create(String[] args) throws ParseException, IOException {
        return run(args, true);
    }

    private int run(String[] args, boolean createOnly) throws ParseException, IOException {
        String command = createOnly ? "create" : "run";
        CommandLine cl = (createOnly ? create() : FLAGS).parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> rest = cl.getArgList();
        ContainerRequest req;
        if (cl.hasOption("rootfs")) {
            req = ContainerRequest.rootfs(Path.of(cl.getOptionValue("rootfs"))).command(rest);
        } else if (rest.isEmpty()) {
            return ExitCodes.usage("\"berth " + command + "\" requires at least 1 argument: an image or --rootfs DIR\n"
                + "Usage: berth " + command + " [OPTIONS] IMAGE [COMMAND] [ARG...]");
        } else {
            req = ContainerRequest.image(rest.get(0)).command(rest.subList(1, rest.size()));
        }
        boolean detach = cl.hasOption("d");
        boolean tty = cl.hasOption("t");
        boolean stdin = cl.hasOption("i");
        if (stdin && tty && !detach && !createOnly && !Terminal.isTerminal()) {
            return ExitCodes.usage("the input device is not a TTY; drop -t or run from a terminal");
        }
        try {
            for (String file : values(cl, "env-file")) {
                for (String line : Files.readAllLines(Path.of(file))) {
                    String l = line.strip();
                    if (!l.isEmpty() && !l.startsWith("#")) {
                        req.env(l);
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return ExitCodes.usage("open " + e.getFile() + ": no such file or directory (--env-file)");
        }
        for (String e : values(cl, "env")) {
            req.env(e);
        }
        if (cl.hasOption("entrypoint")) {
            req.entrypoint(cl.getOptionValue("entrypoint"));
        }
        for (String kv : values(cl, "label")) {
            int eq = kv.indexOf('=');
            req.label(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        }
        if (cl.hasOption("stop-signal")) {
            req.stopSignal(cl.getOptionValue("stop-signal"));
        }
        req.name(cl.getOptionValue("name")).hostname(cl.getOptionValue("hostname"))
            .workdir(cl.getOptionValue("workdir")).user(cl.getOptionValue("user"))
            .tty(tty).stdin(stdin).autoRemove(cl.hasOption("rm")).init(cl.hasOption("init"))
            .readOnly(cl.hasOption("read-only")).timeOffsets(cl.getOptionValue("time-offset"));
        if (tty && Terminal.isTerminal()) {
            int[] size = Terminal.size();
            req.terminalSize(size[0], size[1]);
        }
        namespace(cl, req, "pid", NsKind.PID);
        namespace(cl, req, "uts", NsKind.UTS);
        namespace(cl, req, "ipc", NsKind.IPC);
        for (String opt : List.of("net", "network")) {
            String v = cl.getOptionValue(opt);
            if (v == null) {
                continue;
            }
            req.networkMode(v);
        }
        values(cl, "publish").forEach(req::publish);
        values(cl, "add-host").forEach(req::addHost);
        values(cl, "network-alias").forEach(req::networkAlias);
        values(cl, "expose").forEach(req::expose);
        req.publishAll(cl.hasOption("publish-all"));
        req.ip(cl.getOptionValue("ip")).ip6(cl.getOptionValue("ip6"))
            .dns(values(cl, "dns"), values(cl, "dns-search"), values(cl, "dns-option"));
        namespace(cl, req, "cgroupns", NsKind.CGROUP);
        namespace(cl, req, "userns", NsKind.USER);
        namespace(cl, req, "time", NsKind.TIME);
        if (cl.hasOption("userns-remap")) {
            req.namespace(NsKind.USER, "private");
        }
        req.privileged(cl.hasOption("privileged"));
        try {
            Resources.apply(cl, req);
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.ENGINE);
        }
        values(cl, "cap-add").forEach(req::capAdd);
        values(cl, "cap-drop").forEach(req::capDrop);
        values(cl, "security-opt").forEach(req::securityOpt);
        values(cl, "ulimit").forEach(req::ulimit);
        values(cl, "volume").forEach(req::volume);
        values(cl, "mount").forEach(req::mount);
        values(cl, "tmpfs").forEach(req::tmpfs);
        values(cl, "device").forEach(req::device);
        for (String kv : values(cl, "sysctl")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                return ExitCodes.usage("invalid --sysctl \"" + kv + "\": use NAME=VALUE");
            }
            req.sysctl(kv.substring(0, eq), kv.substring(eq + 1));
        }
        String health = HealthcheckCommand.apply(cl, req);
        if (health != null) {
            return ExitCodes.usage(health);
        }
        String pull = cl.getOptionValue("pull", "missing");
        if (!List.of("missing", "always", "never").contains(pull)) {
            return ExitCodes.usage("invalid --pull \"" + pull + "\": use missing, always or never");
        }
        try {
            req.restart(dev.berth.engine.RestartPolicy.parse(cl.getOptionValue("restart")));
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.USAGE);
        }
        Container c;
        try {
            dev.berth.engine.Engine engine = Engines.open(root);
            String image = cl.getArgList().isEmpty() ? null : cl.getArgList().get(0);
            if (pull.equals("always") && image != null && !image.equals("host") && !cl.hasOption("rootfs")) {
                PullCommand.forRun(engine, image, false);
            } else if (pull.equals("missing")) {
                engine.withPuller(ref -> PullCommand.forRun(engine, ref, true));
            }
            if (createOnly) {
                System.out.println(engine.create(req));
                return 0;
            }
            c = engine.run(req);
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.ENGINE);
        }
        for (String w : c.warnings()) {
            System.err.println("WARNING: " + w);
        }
        System.err.flush();
        if (detach) {
            System.out.println(c.id());
            c.detach();
            return 0;
        }
        return Streams.attach(c, stdin, tty);
    }

    private static void namespace(CommandLine cl, ContainerRequest req, String opt, NsKind kind) {
        String v = cl.getOptionValue(opt);
        if (v != null) {
            req.namespace(kind, v);
        }
    }
}
