package io.resumableupload.hooks;

/** CDI event: the reaper deleted the bytes of an expired upload. */
public record UploadExpired(String uploadId) {
}
