package dev.berth.image;

/**
 * A content digest, {@code ALGORITHM:HEX}, as the OCI image spec defines it. Parsing accepts
 * what references may carry (sha256 and sha512, exact lengths, lowercase hex); the store keeps
 * sha256 only.
 */
public record Digest(String algorithm, String hex) {
    public static final String SHA256 = "sha256";

    public Digest {
        if (algorithm == null || hex == null) {
            throw new NullPointerException("digest");
        }
    }

    /** Parses {@code sha256:<64 hex>} or {@code sha512:<128 hex>}. */
    public static Digest parse(String s) throws ImageException.InvalidReference {
        int colon = s.indexOf(':');
        if (colon <= 0) {
            throw new ImageException.InvalidReference("invalid digest \"" + s + "\": expected ALGORITHM:HEX, e.g. sha256:<64 hex digits>");
        }
        String algorithm = s.substring(0, colon);
        String hex = s.substring(colon + 1);
        int length;
        if (algorithm.equals("sha256")) {
            length = 64;
        } else if (algorithm.equals("sha512")) {
            length = 128;
        } else {
            throw new ImageException.InvalidReference("unsupported digest algorithm \"" + algorithm + "\" in \"" + s
                + "\": use sha256 or sha512");
        }
        if (hex.length() != length) {
            throw new ImageException.InvalidReference("invalid digest \"" + s + "\": " + algorithm + " needs " + length
                + " hex digits, got " + hex.length());
        }
        if (!isLowerHex(hex)) {
            throw new ImageException.InvalidReference("invalid digest \"" + s + "\": the hex part must be lowercase 0-9a-f");
        }
        return new Digest(algorithm, hex);
    }

    /** A sha256 digest of hex computed here. */
    public static Digest sha256(String hex) {
        return new Digest(SHA256, hex);
    }

    /** The sha256 of {@code bytes}. */
    public static Digest of(byte[] bytes) {
        try {
            return sha256(hex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isLowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        String digits = "0123456789abcdef";
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = digits.charAt((bytes[i] >> 4) & 0xf);
            out[2 * i + 1] = digits.charAt(bytes[i] & 0xf);
        }
        return new String(out);
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    /**
     * Written out, as toString: a record's own equals and hashCode are bootstrapped through
     * invokedynamic (ObjectMethods) on first use, which spun method handles for ~6 ms of a cold
     * {@code berth run IMAGE} (digests are keys of the store's sets and maps).
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && algorithm.equals(d.algorithm) && hex.equals(d.hex);
    }

    @Override
    public int hashCode() {
        return 31 * algorithm.hashCode() + hex.hashCode();
    }
}
