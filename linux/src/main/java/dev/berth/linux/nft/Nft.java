package dev.berth.linux.nft;

import dev.berth.linux.NetnsThread;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A libnftables context: nftables commands, in nft's syntax or its JSON schema
 * (libnftables-json(5)), sent to the kernel without running {@code nft}. One call is one
 * netlink batch, so the commands of one call are one transaction: all of them or none.
 *
 * <p>Every call, and the context's creation, runs on one platform thread of its own that lives in
 * the context's network namespace. libnftables opens its netfilter socket in nft_ctx_new, from
 * the calling thread, and keeps it; but it also opens sockets while a command runs (a route
 * socket for interface names, in its interface cache), so calls from other threads could reach
 * the wrong namespace. One thread per context makes both right.
 *
 * <p>libnftables keeps some state in globals (that interface cache, a one-time initialisation),
 * so the calls of all contexts of the process are serialised.
 */
public final class Nft implements AutoCloseable {
    private static final Object LIBRARY = new Object();

    private final NftLib lib;
    private final NetnsThread thread;
    private final long ctx;
    private boolean closed;

    private Nft(NftLib lib, NetnsThread thread, long ctx) {
        this.lib = lib;
        this.thread = thread;
        this.ctx = ctx;
    }

    /**
     * Loads libnftables and binds its functions, as the first {@link #open} would; a missing
     * library is left for {@code open} to report.
     */
    public static void prepare() {
        try {
            NftLib.get();
        } catch (NftException | RuntimeException e) {
            // open reports it
        }
    }

    /** A context in the caller's network namespace. */
    public static Nft open() throws IOException {
        return create(null);
    }

    /**
     * A context whose commands all run in the network namespace of {@code netns}
     * ({@code /proc/PID/ns/net}, {@code /run/netns/NAME}).
     *
     * @throws NftException when libnftables is missing or cannot start
     * @throws dev.berth.linux.ErrnoException when the namespace cannot be entered
     */
    public static Nft open(Path netns) throws IOException {
        return create(Objects.requireNonNull(netns, "netns"));
    }

    private static Nft create(Path netns) throws IOException {
        NftLib lib = NftLib.get();
        NetnsThread thread = NetnsThread.start(netns, netns == null ? "nft" : "nft " + netns);
        try {
            long ctx = thread.call(() -> {
                synchronized (LIBRARY) {
                    return lib.newContext();
                }
            });
            return new Nft(lib, thread, ctx);
        } catch (IOException | RuntimeException | Error e) {
            thread.close();
            throw e;
        } catch (Exception e) {
            thread.close();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs commands in nft's syntax (as {@code nft -f} reads them, one per line or separated
     * by {@code ;}) and returns what they print, e.g. the table that {@code list table} asks for.
     *
     * @throws NftException with libnftables' error text, on one line
     */
    public String run(String commands) throws NftException {
        return execute(commands, 0);
    }

    /**
     * Runs a JSON document ({@code {"nftables": [...]}}, libnftables-json(5)) and returns the
     * output in JSON too: {@code {"nftables": [{"list": {"table": ...}}]}} answers with the table.
     *
     * @throws NftException with libnftables' error text, on one line
     */
    public String runJson(String json) throws NftException {
        return execute(json, NftLib.OUTPUT_JSON);
    }

    private String execute(String commands, int outputFlags) throws NftException {
        Objects.requireNonNull(commands, "commands");
        NftLib.Result result;
        try {
            result = thread.call(() -> {
                synchronized (LIBRARY) {
                    if (closed) {
                        throw new IllegalStateException("nft context is closed");
                    }
                    return lib.run(ctx, commands, outputFlags);
                }
            });
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (result.rc() != 0) {
            throw new NftException(oneLine(result.errors(), result.rc()));
        }
        return result.output();
    }

    @Override
    public void close() {
        try {
            thread.call(() -> {
                synchronized (LIBRARY) {
                    if (!closed) {
                        closed = true;
                        lib.freeContext(ctx);
                    }
                }
                return null;
            });
        } catch (IllegalStateException e) {
            // the thread is closed already: so is the context
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            thread.close();
        }
    }

    /**
     * libnftables' error text on one line. It prints each error as
     * {@code LOCATION: Error: MESSAGE}, then the offending command and a line of carets under
     * the part at fault; this keeps each message, with the offending command in parentheses.
     */
    static String oneLine(String errors, int rc) {
        String[] lines = errors.split("\n");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            int at = lines[i].indexOf("Error: ");
            if (at < 0) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append("; ");
            }
            out.append(lines[i].substring(at + "Error: ".length()).strip());
            if (i + 2 < lines.length && isCarets(lines[i + 2]) && !lines[i + 1].isBlank()) {
                out.append(" (in: ").append(lines[i + 1].strip()).append(')');
                i += 2;
            }
        }
        if (out.isEmpty()) {
            String all = String.join(" ", errors.strip().split("\\s*\n\\s*"));
            return all.isEmpty() ? "nft command failed (rc " + rc + ") without an error message" : all;
        }
        return out.toString();
    }

    private static boolean isCarets(String line) {
        String s = line.strip();
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '^' && c != '~' && c != ' ') {
                return false;
            }
        }
        return true;
    }
}
