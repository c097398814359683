package dev.berth.image;

import java.io.IOException;

/**
 * A failure of the image store, in the categories a caller branches on. Messages are one
 * lower-case line that names the problem and, where there is one, the fix. It is an
 * {@link IOException} because every store operation also fails with plain I/O errors.
 */
public abstract sealed class ImageException extends IOException {
    protected ImageException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A reference (name, tag, digest) that does not follow docker's grammar. */
    public static final class InvalidReference extends ImageException {
        public InvalidReference(String message) {
            super(message, null);
        }
    }

    /** No such image, tag or blob in the store. */
    public static final class NotFound extends ImageException {
        public NotFound(String message) {
            super(message, null);
        }
    }

    /** Content whose sha256 or size is not the one it was announced with. */
    public static final class DigestMismatch extends ImageException {
        public DigestMismatch(String message) {
            super(message, null);
        }
    }

    /**
     * An archive or layer that tries to write outside its root, or that is larger than the
     * limits allow: refused before anything of it is registered.
     */
    public static final class Refused extends ImageException {
        public Refused(String message) {
            super(message, null);
        }
    }

    /**
     * The operation conflicts with the store's state: an image a container uses, an image
     * tagged in several repositories, an id prefix that matches several images.
     */
    public static final class Conflict extends ImageException {
        public Conflict(String message) {
            super(message, null);
        }
    }

    /** A value the caller gave is wrong: a filter, a {@code --change} instruction. */
    public static final class InvalidArgument extends ImageException {
        public InvalidArgument(String message) {
            super(message, null);
        }
    }

    /** A file that is not what its format says: bad JSON, a missing field, a truncated tar. */
    public static final class BadFormat extends ImageException {
        public BadFormat(String message) {
            super(message, null);
        }

        public BadFormat(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Something still in use, e.g. an unpacked layer a container is built on. */
    public static final class InUse extends ImageException {
        public InUse(String message) {
            super(message, null);
        }
    }
}
