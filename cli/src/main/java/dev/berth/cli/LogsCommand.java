package dev.berth.cli;

import dev.berth.engine.EngineException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth logs [-f] [--tail N] [-t] CONTAINER} */
final class LogsCommand {
    static final Flags FLAGS = new Flags("berth logs [OPTIONS] CONTAINER")
        .bool("f", "follow", "Follow the output until the container stops")
        .bool("t", "timestamps", "Show timestamps")
        .value("n", "tail", "N", "Number of lines from the end (default all)");

    private final Path root;

    LogsCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> refs = cl.getArgList();
        if (refs.size() != 1) {
            return ExitCodes.usage("\"berth logs\" requires exactly 1 argument: a container");
        }
        String tailValue = cl.getOptionValue("tail", "all");
        int tail = tailValue.equals("all") ? -1 : Flags.intValue(cl, "tail", -1);
        try {
            Engines.open(root).logs(refs.get(0)).copy(new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err), tail, cl.hasOption("t"), cl.hasOption("f"));
            return 0;
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
    }
}
