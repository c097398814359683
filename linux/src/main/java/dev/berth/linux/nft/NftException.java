package dev.berth.linux.nft;

import java.io.IOException;

/** libnftables refused a command or could not be used; the message is its error text, one line. */
public final class NftException extends IOException {
    public NftException(String message) {
        super(message);
    }

    public NftException(String message, Throwable cause) {
        super(message, cause);
    }
}
