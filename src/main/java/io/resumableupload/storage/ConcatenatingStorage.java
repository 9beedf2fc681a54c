package io.resumableupload.storage;

import java.io.IOException;
import java.util.List;

/**
 * Capability: server-side concatenation (the concatenation extension). The filesystem copies; object stores use
 * their native operation (S3 UploadPartCopy, GCS compose, Azure block lists).
 */
public interface ConcatenatingStorage {

    /**
     * Writes the bytes of {@code partialIds}, in order (an id may repeat), as the whole content of
     * {@code finalId}, durably. {@code finalId} was created with {@link UploadStorage#create} and is empty or
     * holds garbage from an earlier attempt, which is replaced. Returns the number of bytes written.
     */
    long concatenate(String finalId, List<String> partialIds) throws IOException;
}
