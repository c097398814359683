package dev.berth.cli.oci;

import dev.berth.runtime.Trace;
import dev.berth.runtime.stage.ClientStage;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The warm berth-runtime: one JVM per user and build that runs the commands containerd's shim
 * calls one process at a time (create, start, state, kill, delete, ...), so that each call costs
 * a small C client ({@code berth-stage --client}, native/stage/client.c) instead of a JVM start.
 * The client forks the container's stage itself, so the container is its descendant exactly as
 * with runc; this JVM only decides and talks to that stage through /proc/PID/fd. A foreground
 * {@code run} or {@code exec} is served too: its client forwards the signals it receives and,
 * for a terminal, its window size and input ({@link RuntimeClient}).
 *
 * <p>Started in the background by the first call that found no server; leaves after
 * {@code BERTH_RUNTIME_SERVER_IDLE} seconds without a call (default 60), or at once when its
 * socket is removed. Serves only its own user, and only callers in its own namespaces.
 */
public final class RuntimeServer {
    private static final int FRAME_MAX = 16 << 20;
    private static final String[] NAMESPACES = {"mnt", "net", "pid", "user", "uts", "ipc", "cgroup"};

    private final Path socket;
    private final long idleNanos;
    private final Object lock = new Object();
    private int active;
    private long lastCall = System.nanoTime();
    private boolean closing;

    private RuntimeServer(Path socket, long idleSeconds) {
        this.socket = socket;
        this.idleNanos = idleSeconds * 1_000_000_000L;
    }

    public static void main(String[] args) throws IOException {
        if (ProcessHandle.current().parent().flatMap(p -> p.info().command())
                .filter(c -> c.endsWith("/conmon")).isPresent()) {
            // adopted by podman's conmon (a subreaper), which runs its container's exit command
            // only once every child of its is gone: this server would hold it back until idle
            return;
        }
        Path socket = Path.of(args[0]);
        String idle = System.getenv("BERTH_RUNTIME_SERVER_IDLE");
        new RuntimeServer(socket, idle != null ? Long.parseLong(idle) : 60).serve();
    }

    private void serve() throws IOException {
        createPrivateDirectory(socket.getParent());
        ServerLock held = ServerLock.acquire(socket);
        if (held == null) {
            return; // another server of this build runs
        }
        // bound and listening under another name, then renamed: a client that finds the socket
        // finds it listening (between bind and listen, a connect is refused and the client would
        // run the call in a JVM of its own)
        Path fresh = fresh(socket);
        Files.deleteIfExists(fresh);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(fresh));
        Files.setPosixFilePermissions(fresh, PosixFilePermissions.fromString("rw-------"));
        Files.move(fresh, socket, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Object inode = Files.readAttributes(socket, "unix:ino").get("ino");
        Files.deleteIfExists(RuntimeLauncher.startingMarker(socket));
        Caller.routeStandardStreams();
        Thread.ofPlatform().daemon().name("idle").start(() -> watch(server, inode, held));
        System.err.println("berth-runtime server " + ProcessHandle.current().pid() + " on " + socket);
        try {
            ServerLock.removeStale(socket);
        } catch (IOException e) {
            System.err.println("berth-runtime server: cannot remove what other builds' servers left: " + e);
        }
        while (true) {
            SocketChannel conn;
            try {
                conn = server.accept();
            } catch (IOException e) {
                return; // closed by watch()
            }
            synchronized (lock) {
                if (closing) {
                    conn.close(); // before any word: the client runs the call itself
                    continue;
                }
                active++;
            }
            Thread.ofPlatform().daemon().name("call").start(() -> call(conn));
        }
    }

    /** The socket's directory, the user's alone: whoever may connect may run containers. */
    static void createPrivateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }

    /** Where a server binds its socket before it renames it to {@code socket}. */
    private static Path fresh(Path socket) {
        return socket.resolveSibling(socket.getFileName() + ".new");
    }

    /**
     * Removes what a server on {@code socket} that no longer runs may have left, but its lock:
     * the socket, the one bound under another name, and a marker of its start that is too old
     * to stop another.
     */
    static void removeLeftovers(Path socket) throws IOException {
        Files.deleteIfExists(socket);
        Files.deleteIfExists(fresh(socket));
        Path marker = RuntimeLauncher.startingMarker(socket);
        try {
            if (!RuntimeLauncher.starting(Files.getLastModifiedTime(marker))) {
                Files.deleteIfExists(marker);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // none
        }
    }

    /** Leaves when idle or when the socket is gone or replaced, and removes its files. */
    private void watch(ServerSocketChannel server, Object inode, ServerLock held) {
        while (true) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            boolean replaced;
            try {
                replaced = !inode.equals(Files.readAttributes(socket, "unix:ino").get("ino"));
            } catch (IOException e) {
                replaced = true;
            }
            synchronized (lock) {
                if (active > 0 || (!replaced && System.nanoTime() - lastCall < idleNanos)) {
                    continue;
                }
                closing = true;
            }
            // the files before the server socket: closing it ends serve(), and with its main
            // thread the JVM, which would not wait for this daemon thread
            try {
                if (!replaced) {
                    Files.deleteIfExists(socket);
                }
                // after the socket: a new server of this build may start once the lock is gone
                held.remove();
            } catch (IOException e) {
                System.err.println("berth-runtime server: leaving, but cannot remove its files: " + e);
            }
            try {
                server.close(); // a call still in the backlog gets no word: its client runs it
            } catch (IOException e) {
                // leaving anyway
            }
            Runtime.getRuntime().halt(0);
        }
    }

    private void call(SocketChannel conn) {
        try (conn) {
            Request r = read(Channels.newInputStream(conn));
            RuntimeClient client = new RuntimeClient(conn);
            String why = declines(conn, r);
            if (why != null) {
                client.decline(why);
                return;
            }
            client.accept(RuntimeLauncher.foreground(r.args));
            Caller caller = new Caller(r.cwd, r.env, client);
            int code = ScopedValue.where(Caller.CURRENT, caller).call(() -> ClientStage.call(r.pid,
                () -> Trace.withFaults(r.env, r.pid, () -> RuntimeMain.execute(r.args.toArray(String[]::new)))));
            client.exit(code);
        } catch (IOException | RuntimeException e) {
            System.err.println("berth-runtime server: a call failed: " + e);
        } finally {
            synchronized (lock) {
                active--;
                lastCall = System.nanoTime();
            }
        }
    }

    private record Request(long pid, Path cwd, List<String> args, Map<String, String> env) {}

    private static Request read(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int type = d.read();
        byte[] len = d.readNBytes(4);
        if (type != 'R' || len.length < 4) {
            throw new EOFException("no request");
        }
        int n = (len[0] & 0xff) | (len[1] & 0xff) << 8 | (len[2] & 0xff) << 16 | (len[3] & 0xff) << 24;
        if (n < 0 || n > FRAME_MAX) {
            throw new IOException("request of " + n + " bytes");
        }
        String[] f = new String(d.readNBytes(n), StandardCharsets.UTF_8).split("\0", -1);
        if (f.length < 4 || !f[0].equals("2")) {
            throw new IOException("not a version 2 request");
        }
        int nargs = Integer.parseInt(f[3]);
        List<String> args = List.of(f).subList(4, 4 + nargs);
        int nenv = Integer.parseInt(f[4 + nargs]);
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < nenv; i++) {
            String e = f[5 + nargs + i];
            int eq = e.indexOf('=');
            if (eq > 0) {
                env.put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        return new Request(Long.parseLong(f[1]), Path.of(f[2]), new ArrayList<>(args), env);
    }

    /** Why this server does not run the call (the client's own JVM then does), or null. */
    private static String declines(SocketChannel conn, Request r) throws IOException {
        var peer = conn.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
        if (!peer.user().getName().equals(System.getProperty("user.name"))) {
            return "another user";
        }
        for (String ns : NAMESPACES) {
            Path theirs = Path.of("/proc/" + r.pid + "/ns/" + ns);
            Path ours = Path.of("/proc/self/ns/" + ns);
            if (Files.exists(ours) && !Files.readSymbolicLink(theirs).equals(Files.readSymbolicLink(ours))) {
                return "another " + ns + " namespace";
            }
        }
        return RuntimeLauncher.servable(r.args) ? null : "a command that streams or reads the caller's stdin";
    }

}
