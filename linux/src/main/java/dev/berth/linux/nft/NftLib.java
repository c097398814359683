package dev.berth.linux.nft;

import dev.berth.linux.CFunction;
import dev.berth.linux.ErrnoException;
import dev.berth.linux.Native;
import dev.berth.linux.Syscall;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;

/**
 * The downcalls into libnftables ({@code nftables/libnftables.h}, see libnftables(3)), loaded
 * the first time a context is opened, never before: most berth commands need no firewall.
 */
final class NftLib {
    static final String SONAME = "libnftables.so.1";
    static final int OUTPUT_JSON = 1 << 4; // NFT_CTX_OUTPUT_JSON

    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW_CLOEXEC = 3 | 0x80000;
    private static final int NETLINK_NETFILTER = 12;

    // all through CFunction: one downcall shape for the whole library (see there)
    private final CFunction ctxNew;
    private final CFunction outputSetFlags;
    private final CFunction bufferOutput;
    private final CFunction bufferError;
    private final CFunction runCmdFromBuffer;
    private final CFunction getOutputBuffer;
    private final CFunction getErrorBuffer;
    private final CFunction ctxFree;

    private NftLib(SymbolLookup lib) {
        // struct nft_ctx *nft_ctx_new(uint32_t flags);
        ctxNew = CFunction.find(lib, "nft_ctx_new");
        // void nft_ctx_output_set_flags(struct nft_ctx *ctx, unsigned int flags);
        outputSetFlags = CFunction.find(lib, "nft_ctx_output_set_flags");
        // int nft_ctx_buffer_output(struct nft_ctx *ctx);
        bufferOutput = CFunction.find(lib, "nft_ctx_buffer_output");
        // int nft_ctx_buffer_error(struct nft_ctx *ctx);
        bufferError = CFunction.find(lib, "nft_ctx_buffer_error");
        // int nft_run_cmd_from_buffer(struct nft_ctx *nft, const char *buf);
        runCmdFromBuffer = CFunction.find(lib, "nft_run_cmd_from_buffer");
        // const char *nft_ctx_get_output_buffer(struct nft_ctx *ctx);
        getOutputBuffer = CFunction.find(lib, "nft_ctx_get_output_buffer");
        // const char *nft_ctx_get_error_buffer(struct nft_ctx *ctx);
        getErrorBuffer = CFunction.find(lib, "nft_ctx_get_error_buffer");
        // void nft_ctx_free(struct nft_ctx *ctx);
        ctxFree = CFunction.find(lib, "nft_ctx_free");
    }

    private static final class Loaded {
        static final NftLib LIB;
        static final RuntimeException MISSING;

        static {
            NftLib lib = null;
            RuntimeException missing = null;
            try {
                lib = new NftLib(SymbolLookup.libraryLookup(SONAME, Arena.global()));
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                missing = new IllegalStateException(e.getMessage(), e);
            }
            LIB = lib;
            MISSING = missing;
        }
    }

    /** The library, loaded on first use. */
    static NftLib get() throws NftException {
        if (Loaded.LIB == null) {
            throw new NftException("cannot load " + SONAME + " (" + Loaded.MISSING.getMessage()
                + "): install the Debian package libnftables1", Loaded.MISSING);
        }
        return Loaded.LIB;
    }

    /**
     * A new context with its output and errors kept in buffers, on the calling thread: its
     * netfilter socket lives in this thread's network namespace. The context is an address.
     */
    long newContext() throws NftException {
        checkNetlink();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            long ctx = ctxNew.call(state, 0);
            if (ctx == 0) {
                throw new NftException("nft_ctx_new failed: out of memory?");
            }
            int out = (int) bufferOutput.call(state, ctx);
            int err = (int) bufferError.call(state, ctx);
            if (out != 0 || err != 0) {
                freeContext(ctx);
                throw new NftException("libnftables cannot buffer its output (fopencookie failed)");
            }
            return ctx;
        }
    }

    /** Runs {@code commands}; returns {@code {rc, output, errors}} as read from the buffers. */
    Result run(long ctx, String commands, int outputFlags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            outputSetFlags.call(state, ctx, outputFlags);
            int rc = (int) runCmdFromBuffer.call(state, ctx, arena.allocateFrom(commands).address());
            String output = string(getOutputBuffer.call(state, ctx));
            String errors = string(getErrorBuffer.call(state, ctx));
            return new Result(rc, output, errors);
        }
    }

    void freeContext(long ctx) {
        try (Arena arena = Arena.ofConfined()) {
            ctxFree.call(Native.state(arena), ctx);
        }
    }

    record Result(int rc, String output, String errors) {}

    /**
     * nft_ctx_new opens a netfilter netlink socket and, should that fail, calls exit(3): that
     * would end the JVM. So open one first and turn a failure into an exception.
     */
    private void checkNetlink() throws NftException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            long fd = Syscall.call(state, Syscall.SOCKET, AF_NETLINK, SOCK_RAW_CLOEXEC, NETLINK_NETFILTER, 0, 0, 0);
            if (fd < 0) {
                ErrnoException e = new ErrnoException("socket", "AF_NETLINK, NETLINK_NETFILTER", Native.errno(state));
                throw new NftException("cannot open a netfilter netlink socket, " + e.getMessage()
                    + ": the kernel needs nf_tables (modprobe nf_tables)", e);
            }
            Syscall.call(state, Syscall.CLOSE, fd, 0, 0, 0, 0, 0);
        }
    }

    private static String string(long cString) {
        if (cString == 0) {
            return "";
        }
        return MemorySegment.ofAddress(cString).reinterpret(Long.MAX_VALUE).getString(0);
    }
}
