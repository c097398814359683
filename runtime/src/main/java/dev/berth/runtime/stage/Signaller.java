package dev.berth.runtime.stage;

import dev.berth.linux.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Sends a signal to processes that are not ours (F_KILL, {@code native/stage/kill.c}): the
 * stage checks each pid against the start time we saw, through a pidfd, so a pid the kernel
 * gave to another process meanwhile is skipped. A stage and not kill(2), because a cold JVM
 * has no kill short of linking FFM (~45 ms).
 */
public final class Signaller {
    /** A process as we saw it: its pid and start time (stat field 22; 0 to skip the check). */
    public record Target(long pid, long startTime) {}

    private Signaller() {}

    /** Signals every target still alive; returns how many were signalled. */
    public static int signal(List<Target> targets, int signal) throws IOException {
        ByteBuffer req = Frame.le(4 + 12 * targets.size()).putInt(signal);
        for (Target t : targets) {
            req.putInt((int) t.pid()).putLong(t.startTime());
        }
        StageSession s;
        try {
            s = StageSession.open(null);
        } catch (StageException e) {
            throw new IOException(e.getMessage(), e);
        }
        try (s) {
            s.send(new Frame(Protocol.F_KILL, req.array()));
            Frame f = s.next();
            if (f == null) {
                throw new IOException("the berth stage exited before it signalled");
            }
            ByteBuffer b = ByteBuffer.wrap(f.payload()).order(ByteOrder.LITTLE_ENDIAN);
            if (f.type() == Protocol.F_ACK) {
                return b.getInt();
            }
            if (f.type() == Protocol.F_ERROR) {
                b.getInt();
                int errno = b.getInt();
                throw new IOException("cannot signal: " + Errno.describe(errno));
            }
            throw new IOException("stage protocol: unexpected frame '" + (char) f.type() + "'");
        }
    }
}
