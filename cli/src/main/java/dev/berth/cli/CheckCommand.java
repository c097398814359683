package dev.berth.cli;

import dev.berth.engine.EngineException;
import dev.berth.engine.Recovery;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/**
 * {@code berth system check [-r]}: what crashes left in the state root, one line each, removed
 * with {@code --repair}. Exit 0 when nothing is left, 1 when something found was not repaired.
 */
final class CheckCommand {
    static final Flags FLAGS = new Flags("berth system check [OPTIONS]").interspersed()
        .bool("r", "repair", "Remove what crashes left behind");

    private final Path root;

    CheckCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        if (!cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth system check\" accepts no arguments");
        }
        boolean repair = cl.hasOption("repair");
        List<Recovery.Finding> found;
        try {
            found = Engines.open(root).check(repair);
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
        boolean left = false;
        for (Recovery.Finding f : found) {
            String what = f.kind().equals("container") ? f.what().substring(0, Math.min(12, f.what().length())) : f.what();
            System.out.println(f.kind() + " " + what + ": " + f.detail() + (f.repaired() ? " (repaired)" : ""));
            left |= !f.repaired();
        }
        if (found.isEmpty()) {
            System.out.println("nothing left by a crash");
        } else if (left && !repair) {
            System.out.println(found.size() + " left by crashes: berth system check --repair removes them");
        }
        return left ? ExitCodes.FAILURE : 0;
    }
}
