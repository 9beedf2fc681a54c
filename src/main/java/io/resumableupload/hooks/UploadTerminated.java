package io.resumableupload.hooks;

/**
 * CDI event: an upload was deleted by a client (termination).
 *
 * @param owner who created it, or null when created without authentication
 */
public record UploadTerminated(String uploadId, String owner) {

    public UploadTerminated(String uploadId) {
        this(uploadId, null);
    }
}
