package dev.berth.runtime.oci;

/**
 * One entry of {@code linux.devices}: a device node the container must have.
 *
 * @param type c, b, u (an unbuffered character device, made like c) or p (a fifo)
 * @param major 0 for a fifo, where it does not apply
 * @param fileMode the permission bits, or null for runc's default 0666
 * @param uid the owner inside the container, or null for 0
 * @param gid the group inside the container, or null for 0
 */
public record OciDevice(String type, String path, long major, long minor, Long fileMode, Long uid,
    Long gid) {}
