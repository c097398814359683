package dev.berth.runtime.oci;

import dev.berth.runtime.IdMap;

/** One entry of {@code uidMappings} or {@code gidMappings}; the ids are unsigned 32-bit. */
public record OciIdMapping(long containerID, long hostID, long size) {
    public IdMap toIdMap() {
        return new IdMap(containerID, hostID, size);
    }

    /** True when container id {@code id} falls inside this mapping. */
    public boolean maps(long id) {
        return id >= containerID && id - containerID < size;
    }
}
