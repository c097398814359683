package dev.berth.linux.nft;

import dev.berth.linux.ErrnoException;
import dev.berth.linux.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

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

    private final MethodHandle ctxNew;
    private final MethodHandle outputSetFlags;
    private final MethodHandle bufferOutput;
    private final MethodHandle bufferError;
    private final MethodHandle runCmdFromBuffer;
    private final MethodHandle getOutputBuffer;
    private final MethodHandle getErrorBuffer;
    private final MethodHandle ctxFree;
    private final MethodHandle socket;
    private final MethodHandle close;

    private NftLib(SymbolLookup lib) {
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        ValueLayout p = ValueLayout.ADDRESS;
        // struct nft_ctx *nft_ctx_new(uint32_t flags);
        ctxNew = Native.downcall(lib, "nft_ctx_new", FunctionDescriptor.of(p, i));
        // void nft_ctx_output_set_flags(struct nft_ctx *ctx, unsigned int flags);
        outputSetFlags = Native.downcall(lib, "nft_ctx_output_set_flags", FunctionDescriptor.ofVoid(p, i));
        // int nft_ctx_buffer_output(struct nft_ctx *ctx);
        bufferOutput = Native.downcall(lib, "nft_ctx_buffer_output", FunctionDescriptor.of(i, p));
        // int nft_ctx_buffer_error(struct nft_ctx *ctx);
        bufferError = Native.downcall(lib, "nft_ctx_buffer_error", FunctionDescriptor.of(i, p));
        // int nft_run_cmd_from_buffer(struct nft_ctx *nft, const char *buf);
        runCmdFromBuffer = Native.downcall(lib, "nft_run_cmd_from_buffer", FunctionDescriptor.of(i, p, p));
        // const char *nft_ctx_get_output_buffer(struct nft_ctx *ctx);
        getOutputBuffer = Native.downcall(lib, "nft_ctx_get_output_buffer", FunctionDescriptor.of(p, p));
        // const char *nft_ctx_get_error_buffer(struct nft_ctx *ctx);
        getErrorBuffer = Native.downcall(lib, "nft_ctx_get_error_buffer", FunctionDescriptor.of(p, p));
        // void nft_ctx_free(struct nft_ctx *ctx);
        ctxFree = Native.downcall(lib, "nft_ctx_free", FunctionDescriptor.ofVoid(p));
        // int socket(int domain, int type, int protocol); int close(int fd);
        socket = Native.libc("socket", FunctionDescriptor.of(i, i, i, i));
        close = Native.libc("close", FunctionDescriptor.of(i, i));
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
     * netfilter socket lives in this thread's network namespace.
     */
    MemorySegment newContext() throws NftException {
        checkNetlink();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            MemorySegment ctx = (MemorySegment) ctxNew.invokeExact(state, 0);
            if (ctx.equals(MemorySegment.NULL)) {
                throw new NftException("nft_ctx_new failed: out of memory?");
            }
            int out = (int) bufferOutput.invokeExact(state, ctx);
            int err = (int) bufferError.invokeExact(state, ctx);
            if (out != 0 || err != 0) {
                freeContext(ctx);
                throw new NftException("libnftables cannot buffer its output (fopencookie failed)");
            }
            return ctx;
        } catch (NftException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.failed("nft_ctx_new", t);
        }
    }

    /** Runs {@code commands}; returns {@code {rc, output, errors}} as read from the buffers. */
    Result run(MemorySegment ctx, String commands, int outputFlags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.state(arena);
            outputSetFlags.invokeExact(state, ctx, outputFlags);
            int rc = (int) runCmdFromBuffer.invokeExact(state, ctx, arena.allocateFrom(commands));
            String output = string((MemorySegment) getOutputBuffer.invokeExact(state, ctx));
            String errors = string((MemorySegment) getErrorBuffer.invokeExact(state, ctx));
            return new Result(rc, output, errors);
        } catch (Throwable t) {
            throw Native.failed("nft_run_cmd_from_buffer", t);
        }
    }

    void freeContext(MemorySegment ctx) {
        try (Arena arena = Arena.ofConfined()) {
            ctxFree.invokeExact(Native.state(arena), ctx);
        } catch (Throwable t) {
            throw Native.failed("nft_ctx_free", t);
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
            int fd = (int) socket.invokeExact(state, AF_NETLINK, SOCK_RAW_CLOEXEC, NETLINK_NETFILTER);
            if (fd < 0) {
                ErrnoException e = new ErrnoException("socket", "AF_NETLINK, NETLINK_NETFILTER", Native.errno(state));
                throw new NftException("cannot open a netfilter netlink socket, " + e.getMessage()
                    + ": the kernel needs nf_tables (modprobe nf_tables)", e);
            }
            int ignored = (int) close.invokeExact(state, fd);
        } catch (NftException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.failed("socket", t);
        }
    }

    private static String string(MemorySegment cString) {
        if (cString.equals(MemorySegment.NULL)) {
            return "";
        }
        return cString.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
