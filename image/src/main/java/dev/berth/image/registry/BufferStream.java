package dev.berth.image.registry;

import dev.berth.image.Chunks;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A response body as the JDK's {@code BodyHandlers.ofInputStream()} gives it, and also as the
 * client's own buffers ({@link Chunks}): a blob written to its file from those buffers is not
 * copied into a {@code byte[]} first. The reading thread takes what the client's threads put in
 * a queue; at most {@link #AHEAD} lists of buffers are asked for ahead, so a slow reader holds
 * back the connection instead of filling memory. An interrupt of the reader ends a read with
 * {@link InterruptedIOException} (the pull's stall watchdog); closing cancels the body.
 */
final class BufferStream extends ChunkStream implements HttpResponse.BodySubscriber<InputStream> {
    private static final int AHEAD = 2;
    /** The end of the body: an object of its own (the client may hand over an empty list, which is List.of()). */
    private static final Object END = new Object();

    /** Every response of a {@link Transport} is read through one of these. */
    static final HttpResponse.BodyHandler<InputStream> HANDLER = info -> new BufferStream();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile Flow.Subscription subscription;
    private Iterator<ByteBuffer> list;
    private ByteBuffer current;
    private boolean ended;
    private volatile boolean closed;

    // ---- the client's side ----

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (closed) {
            s.cancel();
        } else {
            s.request(AHEAD);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        queue.add(item);
    }

    @Override
    public void onError(Throwable t) {
        queue.add(t);
    }

    @Override
    public void onComplete() {
        queue.add(END);
    }

    @Override
    public CompletionStage<InputStream> getBody() {
        return CompletableFuture.completedFuture(this);
    }

    // ---- the reader's side ----

    /** The next buffer with bytes in it, or null at the end of the body. */
    @Override
    public ByteBuffer next() throws IOException {
        while (true) {
            if (current != null && current.hasRemaining()) {
                return current;
            }
            if (list != null && list.hasNext()) {
                current = list.next();
                continue;
            }
            if (ended) {
                return null;
            }
            if (closed) {
                throw new IOException("the response body was closed");
            }
            Object o;
            try {
                o = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading a response body");
            }
            if (o instanceof Throwable t) {
                ended = true;
                throw t instanceof IOException io ? io : new IOException(t.getMessage(), t);
            }
            if (o == END) {
                ended = true;
                return null;
            }
            @SuppressWarnings("unchecked")
            List<ByteBuffer> l = (List<ByteBuffer>) o;
            list = l.iterator();
            subscription.request(1); // the one taken is replaced
        }
    }

    @Override
    public int available() {
        return current == null ? 0 : current.remaining();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Flow.Subscription s = subscription;
        if (s != null && !ended) {
            s.cancel();
        }
        queue.clear();
    }
}
