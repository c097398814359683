package dev.berth.net;

import java.io.IOException;

/** berth's firewall rules could not be changed as asked; the message names what to do. */
public final class FirewallException extends IOException {
    public FirewallException(String message) {
        super(message);
    }

    public FirewallException(String message, Throwable cause) {
        super(message, cause);
    }
}
