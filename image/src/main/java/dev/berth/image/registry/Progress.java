package dev.berth.image.registry;

import dev.berth.image.Descriptor;

/**
 * What a pull or push tells about each layer, in docker's words ({@code Pulling fs layer},
 * {@code Downloading}, {@code Verifying Checksum}, {@code Download complete}, {@code Pull
 * complete}, {@code Already exists}, {@code Retrying in N seconds}; {@code Preparing},
 * {@code Pushing}, {@code Pushed}, {@code Layer already exists}, {@code Mounted from REPO}).
 * Called from several threads.
 */
public interface Progress {
    Progress NONE = new Progress() {};

    /** The layers of the image, lowest first, once the manifest is known. */
    default void layers(java.util.List<Descriptor> layers) {}

    /** A layer's state: {@code done} of {@code total} bytes ({@code -1} when not a transfer). */
    default void layer(Descriptor layer, String status, long done, long total) {}
}
