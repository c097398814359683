package dev.berth.cli;

import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.linux.Signals;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/**
 * {@code stop}, {@code kill}, {@code wait}, {@code rm}, {@code pause} and {@code unpause}: one
 * action on each named container.
 */
final class LifecycleCommand {
    private final Path root;
    private final String command;

    LifecycleCommand(Path root, String command) {
        this.root = root;
        this.command = command;
    }

    static Flags flags(String command) {
        return switch (command) {
            case "stop" -> new Flags("berth stop [-t SECONDS] CONTAINER...")
                .value("t", "time", "SECONDS", "Seconds to wait after SIGTERM before SIGKILL (default 10)");
            case "kill" -> new Flags("berth kill [-s SIGNAL] CONTAINER...")
                .value("s", "signal", "SIGNAL", "Signal to send (default KILL)");
            case "rm" -> new Flags("berth rm [-f] [-v] CONTAINER...")
                .bool("f", "force", "Kill a running container before removing it")
                .bool("v", "volumes", "Remove the anonymous volumes of the container");
            case "pause" -> new Flags("berth pause CONTAINER...");
            case "unpause" -> new Flags("berth unpause CONTAINER...");
            default -> new Flags("berth wait CONTAINER...");
        };
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = flags(command).parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> refs = cl.getArgList();
        if (refs.isEmpty()) {
            return ExitCodes.usage("\"berth " + command + "\" requires at least 1 argument: a container");
        }
        int signal = Signals.SIGKILL;
        if (command.equals("kill") && cl.hasOption("signal")) {
            try {
                signal = Signals.parse(cl.getOptionValue("signal"));
            } catch (IllegalArgumentException e) {
                return ExitCodes.usage(e.getMessage() + "; give a name like TERM or a number like 15");
            }
        }
        int timeout = Flags.intValue(cl, "time", 10);
        Engine engine = Engines.open(root);
        int code = 0;
        for (String ref : refs) {
            try {
                switch (command) {
                    case "stop" -> engine.stop(ref, timeout);
                    case "kill" -> engine.kill(ref, signal);
                    case "rm" -> engine.remove(ref, cl.hasOption("force"), cl.hasOption("volumes"));
                    case "pause" -> engine.pause(ref);
                    case "unpause" -> engine.unpause(ref);
                    default -> {
                        System.out.println(engine.await(ref));
                        continue;
                    }
                }
                System.out.println(ref);
            } catch (EngineException e) {
                code = ExitCodes.report(e, ExitCodes.FAILURE);
            }
        }
        return code;
    }
}
