package io.resumableupload.client;

import java.io.IOException;
import java.util.Optional;

/**
 * Remembers where the upload of a source went, by the source's fingerprint, so a later run resumes it instead of
 * starting over. Values are opaque to the store (the client writes an upload URL, or the URLs of the partial
 * uploads of a parallel upload). Implementations: {@link MemoryUrlStore}, {@link FileUrlStore},
 * {@link JdbcUrlStore}.
 */
public interface UrlStore {

    /** What was stored under {@code fingerprint}, if anything. */
    Optional<String> get(String fingerprint) throws IOException;

    /** Stores {@code value} under {@code fingerprint}, replacing any previous value. */
    void put(String fingerprint, String value) throws IOException;

    /** Forgets {@code fingerprint}; a missing entry is not an error. */
    void remove(String fingerprint) throws IOException;
}
