package dev.berth.runtime.cgroup;

/**
 * A cgroup could not be created, changed, read or removed, or a resource description is
 * invalid. The message is one lower-case line naming the file or the field.
 */
public final class CgroupException extends Exception {
    private static final long serialVersionUID = 1L;

    public CgroupException(String message) {
        super(message);
    }

    public CgroupException(String message, Throwable cause) {
        super(message, cause);
    }
}
