package dev.berth.runtime.seccomp;

/**
 * The comparisons of a syscall argument with a rule's {@code value}, unsigned and on all 64 bits
 * as libseccomp does. For {@link #MASKED_EQ}, {@code value} is the mask and {@code valueTwo} what
 * the masked argument must equal.
 */
public enum SeccompOp {
    NE("SCMP_CMP_NE"),
    LT("SCMP_CMP_LT"),
    LE("SCMP_CMP_LE"),
    EQ("SCMP_CMP_EQ"),
    GE("SCMP_CMP_GE"),
    GT("SCMP_CMP_GT"),
    MASKED_EQ("SCMP_CMP_MASKED_EQ");

    private final String ociName;

    SeccompOp(String ociName) {
        this.ociName = ociName;
    }

    public String ociName() {
        return ociName;
    }

    /** Whether {@code arg} satisfies this comparison: the meaning the compiled filter must have. */
    public boolean test(long arg, long value, long valueTwo) {
        return switch (this) {
            case NE -> arg != value;
            case LT -> Long.compareUnsigned(arg, value) < 0;
            case LE -> Long.compareUnsigned(arg, value) <= 0;
            case EQ -> arg == value;
            case GE -> Long.compareUnsigned(arg, value) >= 0;
            case GT -> Long.compareUnsigned(arg, value) > 0;
            case MASKED_EQ -> (arg & value) == valueTwo;
        };
    }

    /** The operator named {@code name} in a profile, or null. */
    public static SeccompOp byName(String name) {
        for (SeccompOp o : values()) {
            if (o.ociName.equals(name)) {
                return o;
            }
        }
        return null;
    }

    static String names() {
        StringBuilder b = new StringBuilder();
        for (SeccompOp o : values()) {
            b.append(b.isEmpty() ? "" : ", ").append(o.ociName);
        }
        return b.toString();
    }
}
