package io.resumableupload.hooks;

/** CDI event (post-expire): the reaper expired an upload and deleted its bytes. */
public record UploadExpired(UploadInfo upload) {

    public String uploadId() {
        return upload.id();
    }

    /** Who created it, or null when created without authentication. */
    public String owner() {
        return upload.owner();
    }
}
