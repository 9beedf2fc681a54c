package io.resumableupload.hooks;

/** CDI event: an upload was deleted by a client (termination). */
public record UploadTerminated(String uploadId) {
}
