package dev.berth.runtime;

/** Decodes a raw wait(2) status into docker's exit code: the code, or 128 + the signal. */
public final class WaitStatus {
    private WaitStatus() {}

    public static int exitCode(int status) {
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }

    /** The signal that killed the process, or 0 when it exited. */
    public static int signal(int status) {
        return status & 0x7f;
    }
}
