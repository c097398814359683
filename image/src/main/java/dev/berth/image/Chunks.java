package dev.berth.image;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Bytes handed over in the producer's own buffers (an HTTP client's), so that the consumer can
 * hash and write them without copying them into an array of its own first.
 */
public interface Chunks {
    /** A buffer with bytes remaining, which the caller consumes (moves its position), or null at the end. */
    ByteBuffer next() throws IOException;
}
