package dev.berth.cli;

import dev.berth.engine.Attachment;
import dev.berth.engine.EngineException;
import dev.berth.engine.ExecRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth exec [OPTIONS] CONTAINER COMMAND [ARG...]} */
final class ExecCommand {
    static final Flags FLAGS = new Flags("berth exec [OPTIONS] CONTAINER COMMAND [ARG...]")
        .bool("d", "detach", "Run the command in the background")
        .bool("i", "interactive", "Keep stdin open")
        .bool("t", "tty", "Allocate a terminal")
        .value("e", "env", "NAME=VALUE", "Set an environment variable (repeatable)")
        .value("w", "workdir", "DIR", "Working directory inside the container")
        .value("u", "user", "USER[:GROUP]", "User name or uid, and group, inside the container");

    private final Path root;

    ExecCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> rest = cl.getArgList();
        if (rest.size() < 2) {
            return ExitCodes.usage("\"berth exec\" requires at least 2 arguments: a container and a command\n"
                + "Usage: berth exec [OPTIONS] CONTAINER COMMAND [ARG...]");
        }
        boolean tty = cl.hasOption("t");
        boolean stdin = cl.hasOption("i");
        ExecRequest req = ExecRequest.of(rest.subList(1, rest.size())).tty(tty).stdin(stdin)
            .workdir(cl.getOptionValue("workdir")).user(cl.getOptionValue("user"));
        envAndTerminal(cl, req, tty);
        Attachment a;
        try {
            a = Engines.open(root).exec(rest.get(0), req);
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
        if (cl.hasOption("d")) {
            a.detach();
            return 0;
        }
        return Streams.attach(a, stdin, tty);
    }

    /** The repeatable {@code -e} flags, and the terminal's size for {@code -t}: shared with ns enter. */
    static void envAndTerminal(CommandLine cl, ExecRequest req, boolean tty) {
        String[] env = cl.getOptionValues("env");
        if (env != null) {
            for (String e : env) {
                req.env(e);
            }
        }
        if (tty && Terminal.isTerminal()) {
            int[] size = Terminal.size();
            req.terminalSize(size[0], size[1]);
        }
    }
}
