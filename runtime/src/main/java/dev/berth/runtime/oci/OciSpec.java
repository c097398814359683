package dev.berth.runtime.oci;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A bundle's config.json (runtime-spec 1.2, Linux), read and checked by {@link OciSpecReader}.
 * Unset optional objects are null (except {@code linux} and {@code hooks}, which read as empty),
 * unset strings "", unset lists and maps empty.
 *
 * @param process null when absent: {@code create} needs one, a config for other uses may not
 * @param root the root filesystem, its path resolved against the bundle
 * @param annotations in document order
 * @param bundle the bundle directory, absolute (its real path when read from disk, as runc's
 *     state reports it): not part of config.json, kept for the state document and hooks
 */
public record OciSpec(
    String ociVersion,
    OciProcess process,
    Root root,
    String hostname,
    String domainname,
    List<OciMount> mounts,
    OciHooks hooks,
    Map<String, String> annotations,
    OciLinux linux,
    Path bundle) {

    /** The runtime-spec version berth-runtime implements and writes. */
    public static final String VERSION = "1.2.1";

    public OciSpec {
        mounts = List.copyOf(mounts);
        annotations = Frozen.map(annotations);
    }

    /** {@code root}: an absolute host path, and whether to mount it read-only. */
    public record Root(Path path, boolean readonly) {}
}
