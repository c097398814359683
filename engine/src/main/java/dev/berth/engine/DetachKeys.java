package dev.berth.engine;

/**
 * docker's detach keys ({@code --detach-keys}, the attach endpoint's {@code detachKeys}): a
 * sequence typed into a terminal container's input that ends the attachment and leaves the
 * container running. A scanner is fed the input as it comes: it holds back a partly typed
 * sequence and hands it on when the next key is not its continuation.
 */
public final class DetachKeys {
    /** docker's default, {@code ctrl-p,ctrl-q}. */
    public static final String DEFAULT = "ctrl-p,ctrl-q";

    private final byte[] keys;
    private int matched; // how much of the sequence was typed last, held back

    public DetachKeys(byte[] keys) {
        this.keys = keys.clone();
    }

    /**
     * Comma-separated keys, each one character or {@code ctrl-X} (X one of a-z @ [ \ ] ^ _);
     * null when the text is not that.
     */
    public static byte[] parse(String spec) {
        String[] parts = spec.split(",");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String k = parts[i];
            if (k.length() == 1) {
                out[i] = (byte) k.charAt(0);
            } else if (k.length() == 6 && k.startsWith("ctrl-")) {
                char c = k.charAt(5);
                if (c >= 'a' && c <= 'z') {
                    out[i] = (byte) (c - 'a' + 1);
                } else if ("@[\\]^_".indexOf(c) >= 0) {
                    out[i] = (byte) (c - '@');
                } else {
                    return null;
                }
            } else {
                return null;
            }
        }
        return out;
    }

    /** What to pass on of one read: {@code len} bytes of {@code pass}; {@code detach} when the sequence is complete. */
    public record Step(byte[] pass, int len, boolean detach) {}

    /** Scans {@code n} bytes of input; after a step that detaches, the rest of the input is not for the container. */
    public Step feed(byte[] buf, int n) {
        byte[] pass = new byte[n + keys.length];
        int len = 0;
        for (int i = 0; i < n; i++) {
            if (buf[i] == keys[matched]) {
                if (++matched == keys.length) {
                    matched = 0;
                    return new Step(pass, len, true);
                }
                continue;
            }
            System.arraycopy(keys, 0, pass, len, matched); // not the sequence after all
            len += matched;
            matched = 0;
            if (buf[i] == keys[0]) {
                matched = 1;
            } else {
                pass[len++] = buf[i];
            }
        }
        return new Step(pass, len, false);
    }
}
