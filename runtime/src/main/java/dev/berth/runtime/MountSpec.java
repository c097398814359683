package dev.berth.runtime;

/**
 * One mount into a container, resolved: {@code destination} is a path inside the container
 * (the compiler puts it under the root filesystem), {@code flags} are mount(2) flags without
 * propagation, which goes in {@code propagation} (applied afterwards, with {@code REC} if the
 * mount is recursive). A bind mount with {@code RDONLY}, {@code NOSUID}, {@code NODEV} or
 * {@code NOEXEC} is bound first and then changed, since the kernel ignores them on the bind.
 *
 * @param fileTarget the destination is a file (a bind of a file or a device), not a directory
 */
public record MountSpec(String source, String destination, String type, long flags, long propagation,
    String data, boolean fileTarget) {

    public MountSpec {
        if (!destination.startsWith("/")) {
            throw new IllegalArgumentException("mount destination \"" + destination
                + "\" is not an absolute path");
        }
        type = type == null ? "" : type;
        data = data == null ? "" : data;
    }

    public boolean isBind() {
        return (flags & MountFlags.BIND) != 0;
    }

    public static MountSpec bind(String source, String destination, boolean readOnly, boolean file) {
        long flags = MountFlags.BIND | MountFlags.REC | (readOnly ? MountFlags.RDONLY : 0);
        return new MountSpec(source, destination, "", flags, 0, "", file);
    }

    public static MountSpec tmpfs(String destination, long flags, String data) {
        return new MountSpec("tmpfs", destination, "tmpfs", flags, 0, data, false);
    }
}
