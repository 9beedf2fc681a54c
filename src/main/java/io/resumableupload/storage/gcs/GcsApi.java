package io.resumableupload.storage.gcs;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The few Cloud Storage calls the GCS backend makes, and nothing else: the seam between {@link GcsStorage} and the
 * SDK ({@link SdkGcsApi}), so the backend's logic runs the storage contract on an in-memory fake that enforces the
 * rules of GCS it depends on (generations and preconditions, at most 32 sources per compose, object size limits).
 * Every method throws {@link PreconditionFailedException} when a generation precondition does not hold (GCS: 412),
 * and an {@link IOException} for anything else that fails.
 */
public interface GcsApi {

    /** Compose takes at most this many source objects (GCS). */
    int MAX_COMPOSE_SOURCES = 32;
    /** The largest object GCS stores. */
    long MAX_OBJECT_SIZE = 5L << 40;

    /** One object: its name, size and generation (a new one for every write of the name). */
    record ObjectInfo(String name, long size, long generation) {
    }

    /** A generation precondition (412) did not hold: someone else wrote or deleted the object. */
    final class PreconditionFailedException extends IOException {
        public PreconditionFailedException(String message) {
            super(message);
        }
    }

    /**
     * Writes {@code size} bytes from {@code data} as object {@code name}, in one request.
     *
     * @param ifGenerationMatch the generation the object must have now, {@code 0} for "must not exist"
     * @return the new generation
     */
    long create(String name, InputStream data, long size, String contentType, long ifGenerationMatch) throws IOException;

    /**
     * Writes the concatenation of {@code sources} (1 to 32, repeats allowed) as {@code target}.
     *
     * @param ifGenerationMatch the generation {@code target} must have now, {@code 0} for "must not exist",
     *        {@code null} for no condition
     * @return the composed object
     */
    ObjectInfo compose(List<String> sources, String target, String contentType, Long ifGenerationMatch) throws IOException;

    /** The objects whose names start with {@code prefix}, by name. */
    List<ObjectInfo> list(String prefix) throws IOException;

    Optional<ObjectInfo> get(String name) throws IOException;

    /** {@code length} bytes of {@code name} from {@code position}. */
    InputStream read(String name, long position, long length) throws IOException;

    /**
     * Deletes {@code name} if it still has generation {@code generation} ({@code null}: any). A missing object is not
     * an error; a newer generation is a {@link PreconditionFailedException}.
     */
    void delete(String name, Long generation) throws IOException;

    /** A V4 signed GET URL for {@code name}, serving it with these response headers. */
    URI signedUrl(String name, Duration validity, String contentType, String contentDisposition) throws IOException;

    /** Checks the bucket answers within {@code timeout}. */
    void checkBucket(Duration timeout) throws IOException;
}
