package io.resumableupload.hooks;

/**
 * CDI event (post-finish): an upload became complete. Fired exactly once per upload: only by the request whose
 * compare-and-set moved the offset to the length (or assembled a final upload), never by retries.
 */
public record UploadFinished(UploadInfo upload, RequestInfo request) {
}
