package dev.berth.api;

import dev.berth.api.http.HttpServer;
import dev.berth.engine.Engine;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
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

    private final Path socket;
    private final ServerSocketChannel server;
    private final FileChannel lockFile;
    private final HttpServer http;
    private final Object fileKey;
    private volatile boolean closed;

    private Daemon(Path socket, ServerSocketChannel server, FileChannel lockFile, HttpServer http, Object fileKey) {
        this.socket = socket;
        this.server = server;
        this.lockFile = lockFile;
        this.http = http;
        this.fileKey = fileKey;
    }

    /** Refused with a {@link DaemonException} when another daemon has the root or the socket. */
    public static Daemon open(Engine engine, Path socket, String version) throws DaemonException, IOException {
        FileChannel lock = lock(engine.root());
        try {
            ServerSocketChannel server = bind(socket);
            DockerApi api = new DockerApi(engine, version);
            HttpServer http = new HttpServer(api, api.headers(), (r, t) -> {
                System.err.println("berth daemon: " + r.method() + " " + r.path() + ": " + t);
                if (System.getenv("BERTH_DEBUG") != null) {
                    t.printStackTrace();
                }
            });
            Object key = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS).fileKey();
            return new Daemon(socket, server, lock, http, key);
        } catch (DaemonException | IOException | RuntimeException e) {
            lock.close();
            throw e;
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

    private static ServerSocketChannel bind(Path socket) throws DaemonException, IOException {
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
            GroupPrincipal group = group();
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

    /** The {@code berth} group, or null when the host has none (then only root may connect). */
    private static GroupPrincipal group() throws IOException {
        try {
            return java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService()
                .lookupPrincipalByGroupName(GROUP);
        } catch (UserPrincipalNotFoundException e) {
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

    public Path socket() {
        return socket;
    }

    /** Serves until {@link #close()}. */
    public void serve() throws IOException {
        try {
            http.serve(server);
        } catch (IOException e) {
            if (!closed) {
                throw e;
            }
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
        try { // first, so that no new client finds it
            Object key = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS).fileKey();
            if (key != null && key.equals(fileKey)) {
                Files.deleteIfExists(socket);
            }
        } catch (IOException e) {
            // gone already
        }
        server.close();
        http.closeConnections();
        lockFile.close();
    }
}
