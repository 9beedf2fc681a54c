package io.resumableupload.hooks;

/** CDI event (post-terminate): an upload was deleted by a client. */
public record UploadTerminated(UploadInfo upload, RequestInfo request) {

    public String uploadId() {
        return upload.id();
    }

    /** Who created it, or null when created without authentication. */
    public String owner() {
        return upload.owner();
    }
}
