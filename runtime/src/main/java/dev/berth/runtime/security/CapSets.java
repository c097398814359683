package dev.berth.runtime.security;

/** The five capability sets of a process, as masks (bit N = capability N). */
public record CapSets(long bounding, long effective, long permitted, long inheritable, long ambient) {
    /** The same set everywhere but inheritable and ambient, as docker and runc give a container. */
    public static CapSets of(long mask) {
        return new CapSets(mask, mask, mask, 0, 0);
    }

    public String[] hex() {
        return new String[] {Long.toHexString(bounding), Long.toHexString(effective),
            Long.toHexString(permitted), Long.toHexString(inheritable), Long.toHexString(ambient)};
    }
}
