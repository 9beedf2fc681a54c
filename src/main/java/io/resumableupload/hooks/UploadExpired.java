package io.resumableupload.hooks;

/**
 * CDI event: the reaper deleted the bytes of an expired upload.
 *
 * @param owner who created it, or null when created without authentication
 */
public record UploadExpired(String uploadId, String owner) {

    public UploadExpired(String uploadId) {
        this(uploadId, null);
    }
}
