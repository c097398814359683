package dev.berth.cli;

import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.engine.UpdateRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth update [OPTIONS] CONTAINER...}: new resource limits, with run's flags and checks. */
final class UpdateCommand {
    static final Flags FLAGS = Resources.flags(new Flags("berth update [OPTIONS] CONTAINER..."));

    private final Path root;

    UpdateCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> refs = cl.getArgList();
        if (refs.isEmpty()) {
            return ExitCodes.usage("\"berth update\" requires at least 1 argument: a container");
        }
        UpdateRequest req = new UpdateRequest();
        try {
            Resources.apply(cl, req);
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.USAGE);
        }
        if (req.isEmpty()) {
            return ExitCodes.usage("you must provide one or more flags when using this command: --memory,"
                + " --memory-swap, --memory-reservation, --cpus, --cpu-shares, --cpuset-cpus, --cpuset-mems"
                + " or --pids-limit");
        }
        Engine engine = Engines.open(root);
        int code = 0;
        for (String ref : refs) {
            try {
                for (String w : engine.update(ref, req)) {
                    System.err.println("WARNING: " + w);
                }
                System.out.println(ref);
            } catch (EngineException e) {
                // a value run would refuse is a bad flag (125); the rest is about the container (1)
                code = ExitCodes.report(e, e instanceof EngineException.InvalidArgument
                    ? ExitCodes.USAGE : ExitCodes.FAILURE);
            }
        }
        return code;
    }
}
