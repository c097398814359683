package dev.berth.image.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A user name and password (or token) for one registry. */
public record Credentials(String username, String password) {
    /** {@code Basic base64(user:password)}. */
    public String basicHeader() {
        return "Basic " + encode();
    }

    /** base64 of {@code user:password}: the {@code auth} field of docker's config.json. */
    public String encode() {
        return Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Credentials[" + username + ", ***]"; // never the password, not even in a stack trace
    }
}
