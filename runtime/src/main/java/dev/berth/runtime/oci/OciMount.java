package dev.berth.runtime.oci;

import java.util.List;

/**
 * One entry of {@code mounts}, in the order they are to be mounted.
 *
 * @param source for a bind mount, a host path: a relative one was resolved against the bundle
 *     (as runc does); otherwise whatever the filesystem type takes, often just a label
 * @param uidMappings for an id-mapped mount, else empty
 */
public record OciMount(String destination, String source, String type, List<String> options,
    List<OciIdMapping> uidMappings, List<OciIdMapping> gidMappings) {

    public OciMount {
        options = List.copyOf(options);
        uidMappings = List.copyOf(uidMappings);
        gidMappings = List.copyOf(gidMappings);
    }

    /** The options as mount(2) flags, propagation, mount_setattr attributes and data. */
    public MountOptions parsedOptions() {
        return MountOptions.parse(options);
    }
}
