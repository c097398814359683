package dev.berth.linux.netlink;

import dev.berth.linux.Errno;
import dev.berth.linux.ErrnoException;

/**
 * The kernel refused a netlink request: {@code RTM_NEWLINK berth0: EEXIST (file exists)}, with
 * the kernel's own explanation appended when it gave one (extended ack), e.g.
 * {@code RTM_NEWROUTE default via 10.1.2.1: ENETUNREACH (network is unreachable): Nexthop has invalid gateway}.
 */
public final class NetlinkException extends ErrnoException {
    private final String request;
    private final String kernelMessage;

    public NetlinkException(String request, String subject, int errno, String kernelMessage) {
        super(request + " " + subject + ": " + Errno.name(errno) + " (" + Errno.describe(errno) + ")"
            + (kernelMessage.isEmpty() ? "" : ": " + kernelMessage), errno);
        this.request = request;
        this.kernelMessage = kernelMessage;
    }

    /** The request's type, {@code RTM_NEWLINK}. */
    public String request() {
        return request;
    }

    /** The kernel's extended-ack text, empty when it gave none. */
    public String kernelMessage() {
        return kernelMessage;
    }
}
