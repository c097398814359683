package dev.berth.runtime;

/** One line of a uid_map or gid_map: {@code inside} maps to {@code outside}, {@code count} ids. */
public record IdMap(long inside, long outside, long count) {
    /** The text the kernel expects in {@code /proc/PID/uid_map}. */
    public String line() {
        return inside + " " + outside + " " + count + "\n";
    }

    /** The host id that container id {@code id} maps to, or -1 when it is not mapped. */
    public long toHost(long id) {
        return id >= inside && id < inside + count ? outside + (id - inside) : -1;
    }
}
