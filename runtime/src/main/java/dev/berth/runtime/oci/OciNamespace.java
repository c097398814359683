package dev.berth.runtime.oci;

import dev.berth.linux.NsKind;

/**
 * One entry of {@code linux.namespaces}: a new namespace of {@code type}, or, with a
 * {@code path}, the existing namespace that file names.
 *
 * @param path the namespace file to join, or "" for a new namespace
 */
public record OciNamespace(String type, String path) {
    public NsKind kind() {
        return OciNames.nsKind(type);
    }

    public boolean joins() {
        return !path.isEmpty();
    }
}
