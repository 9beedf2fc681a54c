package io.resumableupload.hooks;

/** CDI event (post-create): an upload was created (its row is committed). */
public record UploadCreated(UploadInfo upload, RequestInfo request) {
}
