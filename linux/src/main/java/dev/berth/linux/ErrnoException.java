package dev.berth.linux;

import java.io.IOException;

/** A failed system call: {@code kill(1234): ESRCH (no such process)}. */
public class ErrnoException extends IOException {
    private final int errno;

    public ErrnoException(String call, String subject, int errno) {
        this(call + "(" + subject + "): " + Errno.name(errno) + " (" + Errno.describe(errno) + ")", errno);
    }

    /** For a subclass whose message has another shape (a netlink request is not a call). */
    protected ErrnoException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
