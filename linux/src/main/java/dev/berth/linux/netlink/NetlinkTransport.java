package dev.berth.linux.netlink;

import dev.berth.linux.ErrnoException;
import dev.berth.linux.InNetns;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Carries netlink datagrams between berth and a kernel socket of one network namespace: a socket
 * of this process ({@link #open}, system calls through FFM), or one that a container's stage
 * holds for berth while the container waits to start (the stage protocol's {@code F_NETLINK}),
 * which a cold JVM reaches without linking a downcall (see docs/networking.md). The requests and
 * answers are built and read in Java either way ({@link Rtnl#over}, {@link NftGeneration}).
 * One request at a time.
 */
public interface NetlinkTransport extends AutoCloseable {
    /** rtnetlink: links, addresses, routes. */
    int NETLINK_ROUTE = 0;
    /** nfnetlink: nftables. */
    int NETLINK_NETFILTER = 12;
    /** The largest datagram a transport takes: the kernel sizes a dump's datagrams by the reader's buffer, up to 32 KiB. */
    int RECEIVE = 32768;

    /**
     * Sends one datagram to the kernel.
     *
     * @param what the request, for errors: {@code RTM_NEWLINK berth0}
     */
    void send(ByteBuffer message, String what) throws ErrnoException;

    /**
     * The next datagram from the kernel (other senders' are skipped), whole, in host byte order.
     *
     * @throws ErrnoException EMSGSIZE for one larger than {@link #RECEIVE}
     */
    ByteBuffer receive(String what) throws ErrnoException;

    /**
     * {@link #send} then {@link #receive}: a transport that crosses to another process does both
     * in one round trip.
     */
    default ByteBuffer ask(ByteBuffer message, String what) throws ErrnoException {
        send(message, what);
        return receive(what);
    }

    /**
     * The cookie of the socket's network namespace (SO_NETNS_COOKIE, Linux 5.14): a number that no
     * other namespace of this boot has, where an inode is handed to a new namespace once the old
     * one is gone.
     *
     * @throws ErrnoException ENOPROTOOPT from a kernel without it
     */
    long netnsCookie(String what) throws ErrnoException;

    /** Closes a socket of this process; a stage's sockets close when its container starts. */
    @Override
    void close();

    /** A socket of {@code protocol} in the calling thread's network namespace. */
    static NetlinkTransport open(int protocol) throws ErrnoException {
        return NetlinkSocket.open(protocol);
    }

    /**
     * A socket of {@code protocol} in the network namespace of {@code netns} ({@code /proc/PID/ns/net},
     * {@code /run/netns/NAME}), made on a thread that entered it; the caller's threads stay where
     * they are.
     *
     * @throws ErrnoException naming {@code netns} when it cannot be opened or entered
     */
    static NetlinkTransport open(Path netns, int protocol) throws IOException {
        try {
            return InNetns.call(netns, new NetlinkSocket.Opener(protocol));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while opening netlink in " + netns);
        } catch (Exception e) {
            throw new IllegalStateException("netlink in " + netns + ": " + e, e);
        }
    }
}
