package dev.berth.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 by the system's libcrypto (OpenSSL), or the JDK's when it has none. berth runs with
 * C1 only ({@code -XX:TieredStopAtLevel=1}: the cold start is what counts), and C1 does not
 * intrinsify SHA-256: the JDK's digest ran at ~60-80 MB/s there against ~1 GB/s for C2 or
 * OpenSSL (measured on this machine, 200 MB), and every layer is hashed twice (the blob, then the
 * tar inside: the diff id). OpenSSL's assembly (SHA-NI where the CPU has it) does not care which
 * compiler calls it.
 */
public final class Sha256 {
    /** {@code SHA256_CTX} is 112 bytes in OpenSSL 1.1 and 3; room to spare. */
    private static final long CTX_SIZE = 128;
    private static final MethodHandle INIT;
    private static final MethodHandle UPDATE;
    private static final MethodHandle FINAL;

    static {
        MethodHandle init = null;
        MethodHandle update = null;
        MethodHandle fin = null;
        for (String lib : new String[] {"libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so"}) {
            try {
                SymbolLookup l = SymbolLookup.libraryLookup(lib, Arena.global());
                init = Native.critical(l, "SHA256_Init", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
                update = Native.critical(l, "SHA256_Update",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                fin = Native.critical(l, "SHA256_Final",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                break;
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                init = null; // not this library (or not this symbol): the next, or the JDK's digest
            }
        }
        INIT = init;
        UPDATE = update;
        FINAL = fin;
    }

    private Sha256() {}

    /** True when libcrypto does the hashing. */
    public static boolean nativeAvailable() {
        return INIT != null;
    }

    /** A fresh SHA-256 digest: libcrypto's when there is one, else the JDK's. */
    public static MessageDigest newDigest() {
        if (INIT != null) {
            return new OpenSsl();
        }
        return jdk();
    }

    /** The JDK's SHA-256 (for tests that compare the two). */
    public static MessageDigest jdk() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class OpenSsl extends MessageDigest {
        /** Freed with the digest by the garbage collector: a MessageDigest has no close. */
        private final MemorySegment ctx = Arena.ofAuto().allocate(CTX_SIZE, 16);
        private final byte[] one = new byte[1];

        OpenSsl() {
            super("SHA-256");
            engineReset();
        }

        @Override
        protected int engineGetDigestLength() {
            return 32;
        }

        @Override
        protected void engineUpdate(byte input) {
            one[0] = input;
            engineUpdate(one, 0, 1);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            if (len == 0) {
                return;
            }
            java.util.Objects.checkFromIndexSize(offset, len, input.length);
            try {
                int ok = (int) UPDATE.invokeExact(ctx, MemorySegment.ofArray(input).asSlice(offset, len), (long) len);
                check(ok, "SHA256_Update");
            } catch (Throwable t) {
                throw Native.failed("SHA256_Update", t);
            }
        }

        /**
         * A buffer's bytes hashed where they are: a heap buffer (even a read-only one, as the
         * HTTP client hands out, whose array the JDK's default would copy out in chunks) or a
         * direct one, passed to libcrypto as a segment through the critical downcall.
         */
        @Override
        protected void engineUpdate(java.nio.ByteBuffer input) {
            int len = input.remaining();
            if (len == 0) {
                return;
            }
            try {
                int ok = (int) UPDATE.invokeExact(ctx, MemorySegment.ofBuffer(input), (long) len);
                check(ok, "SHA256_Update");
            } catch (Throwable t) {
                throw Native.failed("SHA256_Update", t);
            }
            input.position(input.limit());
        }

        @Override
        protected byte[] engineDigest() {
            byte[] out = new byte[32];
            try {
                int ok = (int) FINAL.invokeExact(MemorySegment.ofArray(out), ctx);
                check(ok, "SHA256_Final");
            } catch (Throwable t) {
                throw Native.failed("SHA256_Final", t);
            }
            engineReset();
            return out;
        }

        @Override
        protected void engineReset() {
            try {
                check((int) INIT.invokeExact(ctx), "SHA256_Init");
            } catch (Throwable t) {
                throw Native.failed("SHA256_Init", t);
            }
        }

        private static void check(int ok, String call) {
            if (ok != 1) {
                throw new IllegalStateException(call + " failed in libcrypto");
            }
        }
    }
}
