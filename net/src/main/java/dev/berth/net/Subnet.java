package dev.berth.net;

/** An IPv4 network in CIDR form, e.g. 10.88.0.0/16. The base has no host bits set. */
public record Subnet(int base, int prefix) {
    public Subnet {
        if (prefix < 0 || prefix > 32 || (base & ~mask(prefix)) != 0) {
            throw new IllegalArgumentException("invalid subnet " + Inet4.format(base) + "/" + prefix);
        }
    }

    /**
     * Parses {@code A.B.C.D/N}. A base with host bits set is refused with the subnet it should
     * be, as docker does, rather than silently rounded down to it.
     */
    public static Subnet parse(String cidr) throws NetException.InvalidArgument {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new NetException.InvalidArgument("invalid CIDR address: " + cidr
                + "; write it as address/prefix, e.g. 10.90.0.0/16");
        }
        int addr;
        int prefix;
        try {
            addr = Inet4.parse(cidr.substring(0, slash));
            String p = cidr.substring(slash + 1);
            if (p.isEmpty() || p.length() > 2 || !Character.isDigit(p.charAt(0))
                || !Character.isDigit(p.charAt(p.length() - 1))) {
                throw new IllegalArgumentException(p);
            }
            prefix = Integer.parseInt(p);
        } catch (IllegalArgumentException e) {
            if (cidr.indexOf(':') >= 0) {
                throw new NetException.InvalidArgument("invalid CIDR address: " + cidr
                    + "; berth's networks are IPv4 only, give an IPv4 subnet such as 10.90.0.0/16");
            }
            throw new NetException.InvalidArgument("invalid CIDR address: " + cidr
                + "; write it as address/prefix, e.g. 10.90.0.0/16");
        }
        if (prefix > 32) {
            throw new NetException.InvalidArgument("invalid CIDR address: " + cidr + "; the prefix is 0 to 32");
        }
        int base = addr & mask(prefix);
        if (base != addr) {
            throw new NetException.InvalidArgument("invalid subnet " + cidr + ": it should be "
                + Inet4.format(base) + "/" + prefix);
        }
        return new Subnet(base, prefix);
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    public int mask() {
        return mask(prefix);
    }

    public int broadcast() {
        return base | ~mask(prefix);
    }

    /** Number of addresses, network and broadcast included. */
    public long size() {
        return 1L << (32 - prefix);
    }

    public boolean contains(int addr) {
        return (addr & mask(prefix)) == base;
    }

    public boolean overlaps(Subnet o) {
        int common = Math.min(prefix, o.prefix);
        return ((base ^ o.base) & mask(common)) == 0;
    }

    @Override
    public String toString() {
        return Inet4.format(base) + "/" + prefix;
    }
}
