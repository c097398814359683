package dev.berth.image.registry;

import java.io.IOException;

/**
 * A registry said no, or could not be reached. Messages are one lower-case line that names the
 * problem and the fix, e.g. {@code unauthorized: authentication required for localhost:5000/app;
 * run 'berth login localhost:5000'}.
 */
public abstract sealed class RegistryException extends IOException {
    protected RegistryException(String message, Throwable cause) {
        super(message, cause);
    }

    /** 401: no credentials, or wrong ones. */
    public static final class Unauthorized extends RegistryException {
        public Unauthorized(String message) {
            super(message, null);
        }
    }

    /** 403: the credentials are right but do not allow this. */
    public static final class Denied extends RegistryException {
        public Denied(String message) {
            super(message, null);
        }
    }

    /** 404: no such repository, tag, manifest or blob. */
    public static final class NotFound extends RegistryException {
        public NotFound(String message) {
            super(message, null);
        }
    }

    /** The registry could not be reached: refused, unknown host, timeout, TLS failure. */
    public static final class Unreachable extends RegistryException {
        public Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The registry answered something this client does not accept (status, schema 1, bad JSON). */
    public static final class Protocol extends RegistryException {
        public Protocol(String message) {
            super(message, null);
        }
    }
}
