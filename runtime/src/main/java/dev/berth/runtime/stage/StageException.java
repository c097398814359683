package dev.berth.runtime.stage;

import dev.berth.linux.Errno;

/**
 * A failure the stage reported: which record (or pseudo step) failed, with which errno. The
 * message reads like {@code mount proc on /proc: permission denied (step 7, EACCES)}.
 */
public final class StageException extends Exception {
    private final int step;
    private final int errno;
    private final String detail;

    public StageException(int step, int errno, String detail, String description) {
        super(message(step, errno, detail, description));
        this.step = step;
        this.errno = errno;
        this.detail = detail;
    }

    private static String message(int step, int errno, String detail, String description) {
        String what = description != null ? description : pseudo(step, detail);
        String where = step >= 0 ? "step " + step + ", " : "";
        return what + ": " + Errno.describe(errno) + " (" + where + Errno.name(errno) + ")";
    }

    private static String pseudo(int step, String detail) {
        String d = detail == null || detail.isEmpty() ? "" : " " + detail;
        return switch (step) {
            case Protocol.STEP_PROTOCOL -> "stage protocol:" + d;
            case Protocol.STEP_FORK -> "create the container process:" + d;
            case Protocol.STEP_MAPS -> "user namespace id maps:" + d;
            case Protocol.STEP_STDIO -> "container stdio:" + d;
            case Protocol.STEP_MONITOR -> "monitor set-up:" + d;
            default -> "stage:" + d;
        };
    }

    public int step() {
        return step;
    }

    public int errno() {
        return errno;
    }

    /** The path or name the stage named with the failure. */
    public String detail() {
        return detail;
    }
}
