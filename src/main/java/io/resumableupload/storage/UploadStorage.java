package io.resumableupload.storage;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where the bytes of uploads live. The core every backend implements; optional features are one-method
 * capability interfaces ({@link ConcatenatingStorage}, {@link LocalFileStorage}) that a backend implements only
 * when it can really do them, and OPTIONS advertises an extension only then.
 *
 * <p>
 * <b>Offsets.</b> The database holds the committed offset of every upload. A backend never decides it: it stores
 * bytes and reports how many are durable; the server advances the offset by compare-and-set afterwards. Bytes a
 * backend holds beyond the committed offset (a crash between the two steps, a checksum mismatch, an interrupted
 * checksummed PATCH) are garbage: the next {@link #openAppend} at the committed offset discards them.
 *
 * <p>
 * <b>Why appends are pushed, not pulled.</b> The design sketch had {@code append(InputStream)}. A stream the
 * backend pulls from blocks a thread for as long as the client is slow, and slow clients are normal for an upload
 * service. So the server reads the request body without blocking (Vert.x, with back-pressure) and pushes what
 * arrived into an {@link AppendSink} from a worker thread, one batch at a time; no thread ever waits on a client.
 * This fits object stores too: an S3 sink buffers to a part and uploads it when it reaches the part size, parking a
 * smaller tail durably on {@link AppendSink#sync()}.
 *
 * <p>
 * Ids reaching a backend have passed {@code UploadIds.isValid}; a backend checks again before building a path
 * or key from one.
 */
public interface UploadStorage {

    /**
     * Prepares storage for a new, empty upload. Called once, before the upload's row is committed; if that commit
     * fails, {@link #delete} follows.
     *
     * @param contentType the media type the finished bytes are stored with (object stores keep it on the object),
     *        already checked to be well-formed
     */
    void create(String uploadId, String contentType) throws IOException;

    /**
     * Opens an append positioned at {@code committedOffset}, the offset stored in the database. Anything the
     * backend holds beyond it is discarded. Only one sink per upload is open at a time (the upload lock).
     *
     * @param length the upload's length, including one declared by the request being served, or {@code null} while
     *        it is deferred: an object store sizes its parts from it and knows which part is the last
     */
    AppendSink openAppend(String uploadId, long committedOffset, Long length) throws IOException;

    /**
     * Called when the bytes up to {@code length} are durable and the upload is about to be marked complete: the
     * moment to complete a multipart upload or to commit a block list.
     *
     * <p>
     * It runs <em>before</em> the compare-and-set that marks the upload complete, so a crash or a lost
     * compare-and-set can follow it: it must be safe to call again on an upload it already finished, and the
     * backend must still accept an {@link #openAppend} at the old committed offset afterwards (the client resends
     * the last bytes), keeping what it holds below that offset.
     */
    void finish(String uploadId, long length) throws IOException;

    /**
     * Opens {@code length} bytes of a finished upload starting at {@code position}, for a download.
     */
    InputStream openRead(String uploadId, long position, long length) throws IOException;

    /** Deletes every byte of the upload. Idempotent: deleting a missing upload is not an error. */
    void delete(String uploadId) throws IOException;

    /**
     * Checks the backend can take writes now (readiness): e.g. writes and deletes a probe.
     *
     * @throws IOException naming what is wrong when it cannot
     */
    void checkWritable() throws IOException;
}
