package dev.berth.runtime.oci;

/**
 * A config.json (or process.json) that berth-runtime will not run: one line naming the field
 * and what is wrong with it, found before anything was created.
 */
public final class OciSpecException extends Exception {
    private static final long serialVersionUID = 1L;

    public OciSpecException(String message) {
        super(message);
    }

    /** What runc exits with for a configuration it refuses: always 1. */
    public int exitCode() {
        return 1;
    }
}
