package dev.berth.cli;

import dev.berth.engine.EngineException;

/** docker's exit codes, mapped in one place. */
final class ExitCodes {
    /** A command other than run failed (no such container, not running): docker's 1. */
    static final int FAILURE = 1;
    /** berth itself failed to create or start the container, or the flags are wrong. */
    static final int USAGE = 125;
    static final int ENGINE = 125;
    /** The command exists but cannot be invoked. */
    static final int CANNOT_INVOKE = 126;
    /** The command was not found. */
    static final int NOT_FOUND = 127;

    private ExitCodes() {}

    static int usage(String message) {
        System.err.println("berth: " + message);
        return USAGE;
    }

    /** Prints the error and returns the code for it; {@code orElse} for engine failures. */
    static int report(EngineException e, int orElse) {
        System.err.println("berth: " + e.getMessage());
        if (e instanceof EngineException.CommandFailed cf) {
            return cf.notFound() ? NOT_FOUND : CANNOT_INVOKE;
        }
        if (System.getenv("BERTH_DEBUG") != null) {
            e.printStackTrace();
        }
        return orElse;
    }
}
