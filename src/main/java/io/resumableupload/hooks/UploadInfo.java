package io.resumableupload.hooks;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What hooks see of an upload (tusd's FileInfo): a snapshot, taken when the event happened.
 *
 * @param id the upload id
 * @param size the declared length, or null while deferred
 * @param offset bytes stored and acknowledged
 * @param metadata Upload-Metadata, values decoded as UTF-8 text (a key without value maps to "")
 * @param partial created with {@code Upload-Concat: partial}
 * @param isFinal a final upload (concatenation)
 * @param partialUploads for a final upload, the ids of its partials in order; empty otherwise
 * @param owner who created it when {@code tus.auth.mode=jwt}, else null
 * @param storage where the bytes are, as in tusd: {@code Type} and e.g. {@code Path}, or {@code Bucket} and
 *        {@code Key}
 * @param createdAt when it was created
 * @param expiresAt when it expires, or null for never
 * @param finishedAt when it became complete, or null
 */
public record UploadInfo(
        String id,
        Long size,
        long offset,
        Map<String, String> metadata,
        boolean partial,
        boolean isFinal,
        List<String> partialUploads,
        String owner,
        Map<String, String> storage,
        Instant createdAt,
        Instant expiresAt,
        Instant finishedAt) {

    public UploadInfo {
        metadata = Map.copyOf(metadata);
        partialUploads = List.copyOf(partialUploads);
        storage = Map.copyOf(storage);
    }

    public boolean sizeIsDeferred() {
        return size == null;
    }

    public boolean finished() {
        return finishedAt != null;
    }

    /** This upload with another id and metadata (a pre-create hook's changes). */
    public UploadInfo withIdAndMetadata(String newId, Map<String, String> newMetadata) {
        return new UploadInfo(newId, size, offset, newMetadata, partial, isFinal, partialUploads, owner, storage,
                createdAt, expiresAt, finishedAt);
    }
}
