package dev.berth.net;

/** An IPv6 network in CIDR form, e.g. fd12:3456:789a::/64. The base has no host bits set. */
public record Subnet6(Ip6 base, int prefix) {
    public Subnet6 {
        if (prefix < 0 || prefix > 128 || !masked(base, prefix).equals(base)) {
            throw new IllegalArgumentException("invalid subnet " + base + "/" + prefix);
        }
    }

    /** Parses {@code ADDR/N}; host bits set are refused with the subnet it should be, as docker does. */
    public static Subnet6 parse(String cidr) throws NetException.InvalidArgument {
        int slash = cidr.indexOf('/');
        String fix = "; write it as address/prefix, e.g. fd00:db8:1::/64";
        if (slash < 0) {
            throw new NetException.InvalidArgument("invalid CIDR address: " + cidr + fix);
        }
        Ip6 addr;
        int prefix;
        try {
            addr = Ip6.parse(cidr.substring(0, slash));
            String p = cidr.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !Character.isDigit(p.charAt(0)) || !Character.isDigit(p.charAt(p.length() - 1))) {
                throw new IllegalArgumentException(p);
            }
            prefix = Integer.parseInt(p);
        } catch (IllegalArgumentException e) {
            throw new NetException.InvalidArgument("invalid CIDR address: " + cidr + fix);
        }
        if (prefix > 128) {
            throw new NetException.InvalidArgument("invalid CIDR address: " + cidr + "; the prefix is 0 to 128");
        }
        Ip6 base = masked(addr, prefix);
        if (!base.equals(addr)) {
            throw new NetException.InvalidArgument("invalid subnet " + cidr + ": it should be " + base + "/" + prefix);
        }
        return new Subnet6(base, prefix);
    }

    /** {@code a} with every bit after the first {@code prefix} cleared. */
    static Ip6 masked(Ip6 a, int prefix) {
        long hiMask = prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
        long loMask = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
        return new Ip6(a.hi() & hiMask, a.lo() & loMask);
    }

    public boolean contains(Ip6 a) {
        return masked(a, prefix).equals(base);
    }

    public boolean overlaps(Subnet6 o) {
        int common = Math.min(prefix, o.prefix);
        return masked(base, common).equals(masked(o.base, common));
    }

    /**
     * How many addresses the allocator may count through from the base: all of them up to a
     * /64's worth (2^64 - 1, the subnet-router anycast address at the base excluded), so that an
     * offset always fits in a long.
     */
    long hosts() {
        return prefix <= 64 ? -1L : (1L << (128 - prefix)) - 1;
    }

    @Override
    public String toString() {
        return base + "/" + prefix;
    }
}
