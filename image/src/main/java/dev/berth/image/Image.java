package dev.berth.image;

/**
 * One image for one platform, resolved from the store: the manifest (and its digest, what a
 * registry calls the image) and the config (whose digest docker shows as the image id).
 */
public record Image(Digest digest, Manifest manifest, ImageConfig config) {
    /** docker's image id: the digest of the config. */
    public Digest id() {
        return manifest.config().digest();
    }
}
