package io.resumableupload.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An append in progress on one upload, fed by the server one batch at a time from a worker thread. The server
 * never calls it from two threads at once, except {@link #checkpoint()}, which may overlap a {@link #write}.
 */
public interface AppendSink extends Closeable {

    /**
     * Appends all remaining bytes of {@code batch}, after everything written so far. The bytes need not be
     * durable yet and do not count until {@link #sync()} says so.
     */
    void write(ByteBuffer[] batch) throws IOException;

    /**
     * The request declares how many bytes it will send (its Content-Length); called before the first
     * {@link #write}, and not at all when the length is unknown (a chunked body). A hint: fewer bytes may arrive (a
     * cut connection), never more. S3 uses it to upload a part while it is received when the request will fill it.
     */
    default void expect(long bytes) {
    }

    /**
     * Makes every byte written so far durable (fsync, part acknowledged, block staged) and returns the offset up to
     * which the upload's bytes are now durable: the committed offset plus what this sink durably stored. May be
     * called several times (checkpoints during a long PATCH).
     */
    long sync() throws IOException;

    /**
     * A durability point during a long append: makes durable what is cheap to make durable now and returns the
     * offset up to which bytes are durable. Unlike every other method it may run concurrently with
     * {@link #write}, so the server can overlap flushing with receiving. A backend whose natural durability
     * points are elsewhere (S3: acknowledged parts) just reports them; returning the committed offset is always
     * correct. It counts only bytes durable without a gap from the committed offset.
     */
    long checkpoint() throws IOException;

    /** Releases resources. Bytes written after the last {@link #sync()} may be lost; that is allowed. */
    @Override
    void close() throws IOException;
}
