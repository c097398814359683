package dev.berth.linux.bpf;

import dev.berth.linux.Errno;
import java.io.IOException;

/**
 * A failed {@code bpf(2)} call: {@code bpf(BPF_PROG_LOAD): EACCES (permission denied)}, with the
 * verifier's last words appended on one line when a program was refused. {@link #log()} has the
 * verifier's whole text.
 */
public final class BpfException extends IOException {
    private static final long serialVersionUID = 1L;
    private static final int TAIL = 600;

    private final int errno;
    private final String log;

    BpfException(String call, int errno, String log) {
        super(message(call, errno, log));
        this.errno = errno;
        this.log = log == null ? "" : log;
    }

    public int errno() {
        return errno;
    }

    /** The verifier log of a refused program, empty for any other failure. */
    public String log() {
        return log;
    }

    private static String message(String call, int errno, String log) {
        String m = call + ": " + Errno.name(errno) + " (" + Errno.describe(errno) + ")";
        if (log == null || log.isBlank()) {
            return m;
        }
        // the verifier names the failing instruction at the end of its log
        String flat = log.strip().replace('\n', ';').replace("\t", " ");
        if (flat.length() > TAIL) {
            flat = "..." + flat.substring(flat.length() - TAIL);
        }
        return m + ": verifier: " + flat;
    }
}
