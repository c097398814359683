package dev.berth.image;

/** The media types of the OCI image spec and of docker's manifest v2 schema 2. */
public final class MediaTypes {
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    public static final String OCI_LAYOUT_VERSION = "1.0.0";
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    private MediaTypes() {}

    public static boolean isIndex(String t) {
        return OCI_INDEX.equals(t) || DOCKER_LIST.equals(t);
    }

    public static boolean isManifest(String t) {
        return OCI_MANIFEST.equals(t) || DOCKER_MANIFEST.equals(t);
    }

    public static boolean isConfig(String t) {
        return OCI_CONFIG.equals(t) || DOCKER_CONFIG.equals(t);
    }

    /** A filesystem layer, compressed or not (including the nondistributable variants). */
    public static boolean isLayer(String t) {
        return t != null && (t.startsWith("application/vnd.oci.image.layer.")
            || t.startsWith("application/vnd.docker.image.rootfs."));
    }
}
