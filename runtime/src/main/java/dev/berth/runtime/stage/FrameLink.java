package dev.berth.runtime.stage;

import java.io.IOException;

/**
 * Frames to and from a container's monitor: the stage's pipes of the process that started it
 * ({@link StageSession}), or the monitor's {@code ctl.sock} from any other
 * ({@link dev.berth.runtime.MonitorClient}), so that one attachment works over either.
 */
public interface FrameLink extends AutoCloseable {
    /** The next frame, or null when the monitor closed the stream. */
    Frame next() throws IOException;

    void send(Frame frame) throws IOException;

    /** Closes this end only: the monitor and its container go on. */
    @Override
    void close();
}
