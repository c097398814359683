package dev.berth.runtime.oci;

/** A runtime command failed; the message is what runc would print, and callers match on it. */
public final class OciException extends Exception {
    public OciException(String message) {
        super(message);
    }
}
