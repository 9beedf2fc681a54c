package io.resumableupload.hooks;

import io.resumableupload.persistence.UploadRecord;

/**
 * CDI event: an upload became complete. Fired exactly once per upload: only by the request whose compare-and-set
 * moved the offset to the length (or assembled a final upload), never by retries.
 */
public record UploadFinished(UploadRecord upload) {
}
