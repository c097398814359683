package dev.berth.net;

/**
 * A failure of berth's networking, in the categories a caller branches on (the engine maps them
 * to its own). Messages are one lower-case line that names the problem and the fix.
 */
public abstract sealed class NetException extends Exception {
    protected NetException(String message, Throwable cause) {
        super(message, cause);
    }

    /** No such network. */
    public static final class NotFound extends NetException {
        public NotFound(String message) {
            super(message, null);
        }
    }

    /** A name, subnet, address or host port that is taken, or a network still in use. */
    public static final class Conflict extends NetException {
        public Conflict(String message) {
            super(message, null);
        }
    }

    /** A value given by the user is wrong: a bad CIDR, a bad port spec, a bad --dns. */
    public static final class InvalidArgument extends NetException {
        public InvalidArgument(String message) {
            super(message, null);
        }
    }

    /**
     * A state file that berth cannot read. Never repaired silently: a reset would hand out
     * addresses that running containers still use.
     */
    public static final class CorruptState extends NetException {
        public CorruptState(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Anything else: the disk is full, the state directory is not writable, the pool is empty. */
    public static final class SystemFailure extends NetException {
        public SystemFailure(String message) {
            super(message, null);
        }

        public SystemFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
