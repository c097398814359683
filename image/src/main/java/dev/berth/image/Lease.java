package dev.berth.image;

import java.io.IOException;

/**
 * A held store lock. Imports hold a shared one for their whole run, so the garbage collector
 * (which takes it exclusively) never removes the blobs of an image that is not tagged yet.
 */
public interface Lease extends AutoCloseable {
    @Override
    void close() throws IOException;
}
