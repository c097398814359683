package dev.berth.cli;

import dev.berth.api.Daemon;
import dev.berth.api.DaemonException;
import dev.berth.runtime.stage.SpareStage;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;
import sun.misc.Signal;

/** {@code berth daemon [-H unix:///run/berth/berth.sock] [--root DIR]}: the Docker Engine API. */
final class DaemonCommand {
    static final String DEFAULT_SOCKET = "/run/berth/berth.sock";
    static final Flags FLAGS = new Flags("berth daemon [OPTIONS]")
        .value("H", "host", "unix:///PATH", "The socket to listen on (default unix://" + DEFAULT_SOCKET + ")")
        .value(null, "root", "DIR", "State directory, shared with the berth CLI (default $BERTH_ROOT or /var/lib/berth)");

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
        String host = cl.getOptionValue("host", "unix://" + DEFAULT_SOCKET);
        if (!host.startsWith("unix://") || host.length() <= "unix://".length()) {
            return ExitCodes.usage("invalid -H \"" + host + "\": only unix:///PATH is supported for now");
        }
        Path socket = Path.of(host.substring("unix://".length()));
        Path stateRoot = cl.hasOption("root") ? Path.of(cl.getOptionValue("root")) : root;
        SpareStage.enable(); // a long-lived JVM: keep a stage ready for the next container
        Daemon daemon;
        try {
            daemon = Daemon.open(Engines.open(stateRoot), socket, Main.VERSION);
        } catch (DaemonException e) {
            System.err.println("berth: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        for (String sig : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(sig), s -> {
                try {
                    daemon.close();
                } catch (IOException e) {
                    System.err.println("berth daemon: " + e.getMessage());
                }
            });
        }
        System.err.println("berth daemon: listening on unix://" + socket + " (root " + stateRoot.toAbsolutePath()
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
}
