package dev.berth.runtime.cgroup;

/**
 * OCI values (cgroup v1 units) to cgroup v2 values, with the formulas runc (1.3.2 and later, via
 * opencontainers/cgroups) and crun (1.23 and later) use, so that a container gets the same
 * numbers whichever runtime made it.
 */
public final class Convert {
    private Convert() {}

    /**
     * {@code cpu.shares} [2, 262144] to {@code cpu.weight} [1, 10000]: a quadratic curve in
     * log2(shares) through (2, 1), (1024, 100) and (262144, 10000), so the v1 default lands on the
     * v2 default. (The older linear formula sent 1024 to 39.) 0 stays 0: unset.
     */
    public static long cpuWeight(long shares) {
        if (shares == 0) {
            return 0;
        }
        if (shares <= 2) {
            return 1;
        }
        if (shares >= 262144) {
            return 10000;
        }
        double l = log2(shares);
        double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
        return (long) Math.ceil(Math.pow(10, exponent));
    }

    /** log2 that is exact for powers of two, as Go's math.Log2 is: 1024 must give 10, not 9.99... */
    private static double log2(long x) {
        int exp = 63 - Long.numberOfLeadingZeros(x);
        double frac = x / (double) (1L << exp);
        return frac == 1.0 ? exp : exp + Math.log(frac) / Math.log(2);
    }

    /** blkio weight [10, 1000] to {@code io.weight} [1, 10000], linearly. 0 stays 0: unset. */
    public static long ioWeight(long blkioWeight) {
        if (blkioWeight == 0) {
            return 0;
        }
        return 1 + (blkioWeight - 10) * 9999 / 990;
    }

    /**
     * OCI swap (memory plus swap, as v1's {@code memsw}) to {@code memory.swap.max} (swap alone):
     * swap minus memory. -1 is "max". With unlimited memory the swap value is taken as it is (no
     * difference can be formed), and unlimited memory with unset swap makes swap unlimited too,
     * as on v1, where raising the memory limit to max takes memsw along.
     *
     * @param swap OCI swap: -1, 0 (unset) or bytes
     * @param memory the memory limit in effect: -1 (max) or bytes
     * @return -1 for max, 0 when swap stays unset, or bytes of swap
     */
    public static long swapV2(long swap, long memory) throws CgroupException {
        if (memory == -1 && swap == 0) {
            return -1;
        }
        if (swap == -1 || swap == 0 || memory == -1) {
            return swap;
        }
        if (memory <= 0) {
            throw new CgroupException("linux.resources.memory.swap needs memory.limit on cgroup v2");
        }
        if (swap < memory) {
            throw new CgroupException("linux.resources.memory.swap (" + swap + ") is memory plus swap and must not "
                + "be below the memory limit (" + memory + ")");
        }
        return swap - memory;
    }

    /** A limit as cgroup v2 writes it: -1 is {@code max}. */
    public static String max(long v) {
        return v == -1 ? "max" : Long.toString(v);
    }

    /** A cgroup v2 limit file's value: {@code max} is -1. */
    static long parseMax(String s) {
        String t = s.strip();
        return t.equals("max") ? -1 : Long.parseLong(t);
    }
}
