package dev.berth.linux.netlink;

import dev.berth.linux.ErrnoException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Requests and their answers over one transport: each exchange sends one request with its own
 * sequence number and reads datagrams until its answer is complete ({@link Answer}).
 * Not for concurrent use.
 */
final class Channel implements AutoCloseable {
    private static final int DUMP_TRIES = 5;

    private final NetlinkTransport transport;
    private int seq;

    Channel(NetlinkTransport transport) {
        this.transport = transport;
    }

    /** Sends {@code request} with NLM_F_ACK and returns the replies before the ack. */
    List<Reply> ack(Request request) throws ErrnoException {
        return exchange(request).replies();
    }

    /** Sends a dump request and returns every message up to NLMSG_DONE. */
    List<Reply> dump(Request request) throws ErrnoException {
        Answer answer = exchange(request);
        for (int i = 1; answer.interrupted() && i < DUMP_TRIES; i++) {
            answer = exchange(request);
        }
        return answer.replies();
    }

    private Answer exchange(Request request) throws ErrnoException {
        int s = ++seq;
        String what = Request.name(request.type()) + " " + request.subject();
        Answer answer = new Answer(request, s);
        ByteBuffer datagram = transport.ask(request.finish(s), what);
        while (!answer.accept(datagram, datagram.remaining())) {
            datagram = transport.receive(what);
        }
        return answer;
    }

    @Override
    public void close() {
        transport.close();
    }
}
