package dev.berth.cli;

import dev.berth.engine.Container;
import dev.berth.engine.EngineException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code berth container-exited ID}: not for people. A container with a restart policy has it
 * as its monitor's exit command, run when the container exits with no engine attached (as
 * podman's conmon runs {@code podman container cleanup}): it applies the policy, waiting out the
 * back-off, and leaves the container it started to its new monitor.
 */
final class ExitedCommand {
    private ExitedCommand() {}

    static int run(Path root, String[] args) throws IOException {
        if (args.length != 1) {
            return ExitCodes.usage("\"berth container-exited\" requires exactly 1 argument: a container id");
        }
        try {
            Container c = Engines.open(root).restartAfterExit(args[0]);
            if (c != null) {
                c.detach();
            }
            return 0;
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
    }
}
