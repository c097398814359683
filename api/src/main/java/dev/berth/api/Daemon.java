package dev.berth.api;

import dev.berth.api.http.HttpServer;
import dev.berth.engine.Engine;
import dev.berth.linux.ErrnoException;
import dev.berth.linux.SocketActivation;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code berth daemon}: the Docker Engine API on a unix socket, over one state root.
 *
 * <pre>{@code
 * try (Daemon d = Daemon.open(engine, Path.of("/run/berth/berth.sock"), "0.1.0")) {
 *     d.serve(); // until close(), e.g. from a SIGTERM handler
 * }
 * }</pre>
 *
 * One daemon per root ({@code ROOT/daemon.lock}); the socket is made under a temporary name,
 * given its mode and group, then renamed into place, so no client ever sees it with other
 * permissions, and a stale socket is replaced atomically. Containers outlive the daemon: their
 * monitors keep them.
 */
public final class Daemon implements AutoCloseable {
    /** The group whose members may use the socket (docker's {@code docker} group). */
    public static final String GROUP = "berth";

    /** Where the daemon listens: docker's {@code -H} values. */
    public sealed interface Endpoint {
        /**
         * {@code unix:///PATH}: made here, removed at close. Mode 0660 and {@code group} (null:
         * {@link #GROUP}, 0600 when the host has no such group; a named group must exist).
         */
        record Unix(Path socket, String group) implements Endpoint {
            public Unix(Path socket) {
                this(socket, null);
            }
        }

        /** {@code fd://}: the socket systemd passed (socket activation). */
        record Activated() implements Endpoint { }

        /** {@code tcp://HOST:PORT} with {@code --tlsverify}: only clients with a certificate of the CA. */
        record Tcp(String host, int port, Tls tls) implements Endpoint { }
    }

    /** One listening socket and how to let it go. */
    private record Listening(Endpoint endpoint, AutoCloseable server, Object fileKey) { }

    private final List<Listening> listening;
    private final FileChannel lockFile;
    private final HttpServer http;
    private final Engine engine;
    private volatile boolean closed;

    private Daemon(List<Listening> listening, FileChannel lockFile, HttpServer http, Engine engine) {
        this.listening = listening;
        this.lockFile = lockFile;
        this.http = http;
        this.engine = engine;
    }

    /** Refused with a {@link DaemonException} when another daemon has the root or the socket. */
    public static Daemon open(Engine engine, Path socket, String version) throws DaemonException, IOException {
        return open(engine, List.of(new Endpoint.Unix(socket)), version);
    }

    /** Listens on every endpoint, or on none: a failure closes what was opened. */
    public static Daemon open(Engine engine, List<Endpoint> endpoints, String version)
            throws DaemonException, IOException {
        FileChannel lock = lock(engine.root());
        List<Listening> opened = new ArrayList<>();
        try {
            for (Endpoint e : endpoints) {
                opened.add(listen(e));
            }
            engine.withLaterDeletes(); // docker run --rm is answered before its directory's files go
            DockerApi api = new DockerApi(engine, version);
            IdleCollector idle = IdleCollector.start();
            HttpServer http = new HttpServer(x -> {
                idle.request();
                api.handle(x);
            }, api.headers(), (r, t) -> {
                System.err.println("berth daemon: " + r.method() + " " + r.path() + ": " + t);
                if (System.getenv("BERTH_DEBUG") != null) {
                    t.printStackTrace();
                }
            });
            return new Daemon(List.copyOf(opened), lock, http, engine);
        } catch (DaemonException | IOException | RuntimeException e) {
            for (Listening l : opened) {
                release(l);
            }
            lock.close();
            throw e;
        }
    }

    private static Listening listen(Endpoint e) throws DaemonException, IOException {
        switch (e) {
            case Endpoint.Unix u -> {
                ServerSocketChannel server = bind(u.socket(), u.group());
                Object key = Files.readAttributes(u.socket(), java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
                return new Listening(e, server, key);
            }
            case Endpoint.Activated a -> {
                if (SocketActivation.passed() < 1) {
                    throw new DaemonException("-H fd:// needs a socket from systemd (LISTEN_FDS for this pid):"
                        + " start berth through berth.socket (contrib/systemd), or give -H unix:///PATH");
                }
                Channel ch;
                try {
                    ch = SocketActivation.first();
                } catch (ErrnoException x) {
                    throw new DaemonException("cannot take systemd's socket: " + x.getMessage());
                }
                if (!(ch instanceof ServerSocketChannel server)) {
                    throw new DaemonException("the socket systemd passed is not a listening stream socket:"
                        + " set ListenStream= in berth.socket");
                }
                server.configureBlocking(true);
                return new Listening(e, server, null);
            }
            case Endpoint.Tcp t -> {
                try {
                    return new Listening(e, t.tls().listen(t.host(), t.port()), null);
                } catch (java.net.BindException x) {
                    throw new DaemonException("cannot listen on " + t.host() + ":" + t.port() + " (" + x.getMessage()
                        + "): give another port");
                }
            }
        }
    }

    /** Closes a listening socket and removes a unix socket's file if it is still ours. */
    private static void release(Listening l) {
        if (l.endpoint() instanceof Endpoint.Unix u) {
            try { // first, so that no new client finds it
                Object key = Files.readAttributes(u.socket(), java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
                if (key != null && key.equals(l.fileKey())) {
                    Files.deleteIfExists(u.socket());
                }
            } catch (IOException e) {
                // gone already
            }
        }
        try {
            l.server().close();
        } catch (Exception e) {
            // closing anyway
        }
    }

    /** {@code ROOT/daemon.lock}, held (with our pid in it) for the daemon's life. */
    private static FileChannel lock(Path root) throws DaemonException, IOException {
        Path file = root.resolve("daemon.lock");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            String pid = Files.readString(file).strip();
            ch.close();
            throw new DaemonException("another berth daemon" + (pid.isEmpty() ? "" : " (pid " + pid + ")")
                + " serves " + root + ": stop it first, or give this one another --root");
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return ch;
    }

    private static ServerSocketChannel bind(Path socket, String groupName) throws DaemonException, IOException {
        GroupPrincipal group = group(groupName);
        Path dir = socket.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS).isOther()) {
                throw new DaemonException(socket + " exists and is not a socket: remove it or give another -H");
            }
            if (live(socket)) {
                throw new DaemonException("the socket " + socket + " is in use by a running daemon:"
                    + " stop it first, or give this one another -H");
            }
            // stale: replaced below by the rename
        }
        Path temp = dir.resolve("." + socket.getFileName() + "." + ProcessHandle.current().pid());
        Files.deleteIfExists(temp);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(temp), 512);
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(group != null ? "rw-rw----" : "rw-------"));
            if (group != null) {
                Files.getFileAttributeView(temp, PosixFileAttributeView.class).setGroup(group);
            }
            Files.move(temp, socket, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(temp);
            throw e;
        }
        return server;
    }

    /**
     * The group given, else {@code berth}; null when it is the default and the host has none
     * (then only root may connect).
     */
    private static GroupPrincipal group(String name) throws DaemonException, IOException {
        try {
            return java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService()
                .lookupPrincipalByGroupName(name != null ? name : GROUP);
        } catch (UserPrincipalNotFoundException e) {
            if (name != null) {
                throw new DaemonException("the group " + name + " for the socket does not exist: create it"
                    + " (groupadd " + name + "), or leave out --group");
            }
            return null;
        }
    }

    /** Whether something accepts connections on {@code socket}. */
    static boolean live(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** How long a client has to send a request head before it is disconnected ({@link HttpServer#headerTimeout}). */
    public Daemon headerTimeout(java.time.Duration d) {
        http.headerTimeout(d);
        return this;
    }

    /** Serves every endpoint until {@link #close()}. */
    public void serve() throws IOException {
        List<Thread> acceptors = new ArrayList<>();
        List<IOException> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (Listening l : listening) {
            acceptors.add(Thread.ofPlatform().name("accept").start(() -> {
                try {
                    if (l.server() instanceof ServerSocketChannel ch) {
                        http.serve(ch);
                    } else {
                        http.serve((java.net.ServerSocket) l.server());
                    }
                } catch (IOException e) {
                    if (!closed) {
                        failures.add(e);
                        try {
                            close();
                        } catch (IOException ignored) {
                            // the first failure is reported
                        }
                    }
                }
            }));
        }
        for (Thread t : acceptors) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    /**
     * Stops accepting, removes the socket (if it is still ours) and releases the root; open
     * streams end. Containers keep running under their monitors.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        for (Listening l : listening) {
            release(l);
        }
        http.closeConnections();
        try { // the directories of the last auto-removed containers, before the root is let go
            engine.awaitLaterDeletes(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lockFile.close();
    }
}
