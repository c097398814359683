package dev.berth.linux.netlink;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's answer to one request, gathered from as many datagrams as it takes: the messages
 * of a dump up to NLMSG_DONE, or a reply (if any) up to the ack. Messages of other sequence
 * numbers (left from an earlier request) are skipped; an error becomes a
 * {@link NetlinkException} with the extended-ack text.
 */
final class Answer {
    static final int NLMSG_NOOP = 1;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    private static final int NLM_F_CAPPED = 0x100;
    private static final int NLM_F_ACK_TLVS = 0x200;
    private static final int NLMSGERR_ATTR_MSG = 1;

    private final Request request;
    private final int seq;
    private final List<Reply> replies = new ArrayList<>();
    private boolean interrupted;

    Answer(Request request, int seq) {
        this.request = request;
        this.seq = seq;
    }

    /** Takes the messages of one datagram; returns true when the answer is complete. */
    boolean accept(ByteBuffer datagram, int length) throws NetlinkException {
        int p = 0;
        while (p + Request.HEADER <= length) {
            int len = datagram.getInt(p);
            if (len < Request.HEADER || p + len > length) {
                throw new IllegalStateException("malformed netlink message of " + len + " bytes at " + p
                    + " in a datagram of " + length);
            }
            Reply r = new Reply(datagram, p);
            p += Reply.align(len);
            if (r.seq() != seq || r.type() == NLMSG_NOOP) {
                continue;
            }
            if (r.type() == NLMSG_ERROR) {
                int error = r.s32(0);
                if (error != 0) {
                    throw failure(r, -error);
                }
                return true;
            }
            if (r.type() == NLMSG_DONE) {
                if (r.payloadLength() >= 4 && r.s32(0) < 0) {
                    throw failure(r, -r.s32(0));
                }
                return true;
            }
            if ((r.flags() & Request.NLM_F_DUMP_INTR) != 0) {
                interrupted = true;
            }
            replies.add(r);
        }
        return false;
    }

    List<Reply> replies() {
        return replies;
    }

    /** A dump that changed while it was read (NLM_F_DUMP_INTR): the caller asks again. */
    boolean interrupted() {
        return interrupted;
    }

    private NetlinkException failure(Reply r, int errno) {
        String text = "";
        if ((r.flags() & NLM_F_ACK_TLVS) != 0) {
            // nlmsgerr: the error, then the request's header (or all of it when not capped)
            int fixed = 4;
            if (r.type() == NLMSG_ERROR) {
                fixed += (r.flags() & NLM_F_CAPPED) != 0 ? Request.HEADER : r.s32(4);
            }
            text = r.attributes(fixed).string(NLMSGERR_ATTR_MSG, "");
        }
        return new NetlinkException(Request.name(request.type()), request.subject(), errno, text);
    }
}
