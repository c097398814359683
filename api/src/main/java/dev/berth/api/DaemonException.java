package dev.berth.api;

/** The daemon cannot start: the root or the socket is taken, or the socket path is wrong. */
public final class DaemonException extends Exception {
    public DaemonException(String message) {
        super(message);
    }
}
