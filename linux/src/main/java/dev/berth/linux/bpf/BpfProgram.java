package dev.berth.linux.bpf;

/**
 * A loaded BPF program, held by its file descriptor. Closing the descriptor does not detach the
 * program from a cgroup: the attachment holds its own reference.
 */
public final class BpfProgram implements AutoCloseable {
    private int fd;

    BpfProgram(int fd) {
        this.fd = fd;
    }

    /** The program's file descriptor; -1 once closed. */
    public int fd() {
        return fd;
    }

    @Override
    public void close() {
        if (fd >= 0) {
            Bpf.close(fd);
            fd = -1;
        }
    }
}
