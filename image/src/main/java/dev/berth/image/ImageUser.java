package dev.berth.image;

/**
 * A container that uses an image (its state's {@code Image}: the image id), for the checks of
 * rmi and prune. The image module knows no containers; the engine or CLI lists them.
 */
public record ImageUser(String containerId, Digest imageId, boolean running) {
    /** The first 12 hex digits of the container id, as docker names it in messages. */
    public String shortId() {
        return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
    }
}
