package dev.berth.linux;

import java.io.IOException;

/** A failed system call: {@code kill(1234): ESRCH (no such process)}. */
public final class ErrnoException extends IOException {
    private final int errno;

    public ErrnoException(String call, String subject, int errno) {
        super(call + "(" + subject + "): " + Errno.name(errno) + " (" + Errno.describe(errno) + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
