package dev.berth.runtime.seccomp;

/**
 * A seccomp profile berth cannot use: one line naming the field and the fix, such as
 * {@code seccomp: unknown action "SCMP_ACT_FOO" in syscalls[3]: use one of ...}.
 */
public final class SeccompException extends Exception {
    public SeccompException(String message) {
        super(message);
    }
}
