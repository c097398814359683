package dev.berth.engine;

/**
 * A failure of the engine, in one of the categories callers branch on. Messages are one
 * lower-case line that names the problem and, where there is one, the fix.
 */
public abstract sealed class EngineException extends Exception {
    protected EngineException(String message, Throwable cause) {
        super(message, cause);
    }

    /** No such container (or image, or namespace file). */
    public static final class NotFound extends EngineException {
        public NotFound(String message) {
            super(message, null);
        }
    }

    /** The name is taken, or an id prefix matches several containers. */
    public static final class Conflict extends EngineException {
        public Conflict(String message) {
            super(message, null);
        }
    }

    /** The container is not in a state that allows the operation (e.g. exec into a stopped one). */
    public static final class InvalidState extends EngineException {
        public InvalidState(String message) {
            super(message, null);
        }
    }

    /** A value in the request is wrong: a bad user, a relative workdir, a missing command. */
    public static final class InvalidArgument extends EngineException {
        public InvalidArgument(String message) {
            super(message, null);
        }
    }

    /** The caller may not do this, e.g. not root without a user namespace. */
    public static final class PermissionDenied extends EngineException {
        public PermissionDenied(String message) {
            super(message, null);
        }
    }

    /**
     * The command could not be run: {@code notFound} for a missing executable (docker's 127),
     * otherwise found but not runnable (126).
     */
    public static final class CommandFailed extends EngineException {
        private final boolean notFound;

        public CommandFailed(String message, boolean notFound, Throwable cause) {
            super(message, cause);
            this.notFound = notFound;
        }

        public boolean notFound() {
            return notFound;
        }
    }

    /** Anything else: the system refused, the stage failed, the disk is full. */
    public static final class SystemFailure extends EngineException {
        public SystemFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
