package dev.berth.cli;

import dev.berth.api.Daemon;
import dev.berth.api.DaemonException;
import dev.berth.api.Tls;
import dev.berth.runtime.stage.SpareStage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;
import sun.misc.Signal;

/**
 * {@code berth daemon [-H unix:///run/berth/berth.sock | -H fd:// | -H tcp://HOST:PORT --tlsverify ...]
 * [--root DIR]}: the Docker Engine API.
 */
final class DaemonCommand {
    static final String DEFAULT_SOCKET = "/run/berth/berth.sock";
    static final Flags FLAGS = new Flags("berth daemon [OPTIONS]")
        .value("H", "host", "ADDR", "Where to listen, repeatable: unix:///PATH (default unix://" + DEFAULT_SOCKET
            + "), fd:// (systemd's socket), tcp://HOST:PORT (with --tlsverify only)")
        .value("G", "group", "GROUP", "Group that may use the unix sockets (mode 0660; default berth, else"
            + " root only)")
        .value(null, "root", "DIR", "State directory, shared with the berth CLI (default $BERTH_ROOT or /var/lib/berth)")
        .bool(null, "tlsverify", "Require a client certificate signed by --tlscacert on tcp://")
        .value(null, "tlscacert", "FILE", "Trust certs signed only by this CA (default ~/.docker/ca.pem)")
        .value(null, "tlscert", "FILE", "The server's TLS certificate (default ~/.docker/cert.pem)")
        .value(null, "tlskey", "FILE", "The server's TLS key (default ~/.docker/key.pem)")
        .value("b", "bridge", "none", "none: containers without --network get loopback only (dockerd's --bridge none;"
            + " default $BERTH_DEFAULT_NETWORK, else bridge)")
        .value(null, "header-timeout", "DURATION", "Disconnect a client that has not sent a whole request head"
            + " within this time, e.g. 30s (default 5m, dockerd's)");

    private final Path root;

    DaemonCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        if (!cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth daemon\" takes no arguments");
        }
        String[] hosts = cl.hasOption("host") ? cl.getOptionValues("host") : new String[] {"unix://" + DEFAULT_SOCKET};
        List<Daemon.Endpoint> endpoints = new ArrayList<>();
        for (String host : hosts) {
            Daemon.Endpoint e = endpoint(host, cl);
            if (e == null) {
                return ExitCodes.USAGE;
            }
            endpoints.add(e);
        }
        java.time.Duration headerTimeout = dev.berth.api.http.HttpServer.DEFAULT_HEADER_TIMEOUT;
        if (cl.hasOption("header-timeout")) {
            long nanos = dev.berth.runtime.events.EventTimes.duration(cl.getOptionValue("header-timeout"));
            if (nanos <= 0) {
                return ExitCodes.usage("invalid --header-timeout \"" + cl.getOptionValue("header-timeout")
                    + "\": give a positive duration, e.g. 30s or 5m");
            }
            headerTimeout = java.time.Duration.ofNanos(nanos);
        }
        String bridge = cl.getOptionValue("bridge");
        if (bridge != null && !bridge.equals("none")) {
            // dockerd's -b NAME puts its default network on a bridge device of the host's: berth makes its own
            return ExitCodes.usage("invalid --bridge \"" + bridge + "\": berth takes only none (no default network);"
                + " to run containers on another network by default, set BERTH_DEFAULT_NETWORK=NAME");
        }
        Path stateRoot = cl.hasOption("root") ? Path.of(cl.getOptionValue("root")) : root;
        SpareStage.enable(); // a long-lived JVM: keep a stage ready for the next container
        Daemon daemon;
        try {
            dev.berth.engine.Engine engine = Engines.open(stateRoot);
            if (bridge != null) {
                engine.withDefaultNetwork("none");
            }
            repair(engine);
            daemon = Daemon.open(engine, endpoints, Main.VERSION);
        } catch (DaemonException e) {
            System.err.println("berth: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        daemon.headerTimeout(headerTimeout);
        for (String sig : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(sig), s -> {
                try {
                    daemon.close();
                } catch (IOException e) {
                    System.err.println("berth daemon: " + e.getMessage());
                }
            });
        }
        System.err.println("berth daemon: listening on " + String.join(", ", hosts) + " (root " + stateRoot.toAbsolutePath()
            + ", API " + dev.berth.api.DockerApi.MIN_API_VERSION + " to " + dev.berth.api.DockerApi.API_VERSION + ")");
        System.err.flush();
        try {
            daemon.serve();
        } finally {
            daemon.close();
        }
        System.err.println("berth daemon: stopped; containers keep running");
        return 0;
    }

    /**
     * What crashes left, repaired before the daemon serves (the safe part of {@code system
     * check --repair}), one line each on stderr. A failure is logged and the daemon starts anyway.
     */
    private static void repair(dev.berth.engine.Engine engine) {
        try {
            for (dev.berth.engine.Recovery.Finding f : engine.repairAtStart()) {
                System.err.println("berth daemon: " + (f.repaired() ? "repaired " : "could not repair ") + f.kind() + " "
                    + f.what() + ": " + f.detail());
            }
        } catch (dev.berth.engine.EngineException e) {
            System.err.println("berth daemon: the check for what crashes left failed: " + e.getMessage());
        }
    }

    /** One {@code -H} value; null after printing the usage error. */
    private static Daemon.Endpoint endpoint(String host, CommandLine cl) throws IOException {
        if (host.startsWith("unix://") && host.length() > "unix://".length()) {
            return new Daemon.Endpoint.Unix(Path.of(host.substring("unix://".length())), cl.getOptionValue("group"));
        }
        if (host.equals("fd://")) {
            return new Daemon.Endpoint.Activated();
        }
        if (host.startsWith("tcp://")) {
            String hostPort = host.substring("tcp://".length());
            int colon = hostPort.lastIndexOf(':');
            int port;
            try {
                port = colon < 0 ? -1 : Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (colon <= 0 || port < 0 || port > 65535) {
                ExitCodes.usage("invalid -H \"" + host + "\": give tcp://HOST:PORT, e.g. tcp://127.0.0.1:2376");
                return null;
            }
            if (!cl.hasOption("tlsverify")) {
                ExitCodes.usage("-H " + host + " without --tlsverify is refused: whoever reaches the port would be"
                    + " root on this host; add --tlsverify with --tlscacert, --tlscert and --tlskey");
                return null;
            }
            String name = hostPort.substring(0, colon);
            if (name.startsWith("[") && name.endsWith("]")) {
                name = name.substring(1, name.length() - 1);
            }
            Path home = Path.of(System.getProperty("user.home"), ".docker");
            try {
                Tls tls = Tls.load(Path.of(cl.getOptionValue("tlscacert", home.resolve("ca.pem").toString())),
                    Path.of(cl.getOptionValue("tlscert", home.resolve("cert.pem").toString())),
                    Path.of(cl.getOptionValue("tlskey", home.resolve("key.pem").toString())));
                return new Daemon.Endpoint.Tcp(name, port, tls);
            } catch (DaemonException e) {
                ExitCodes.usage(e.getMessage());
                return null;
            }
        }
        ExitCodes.usage("invalid -H \"" + host + "\": give unix:///PATH, fd:// or tcp://HOST:PORT");
        return null;
    }
}
