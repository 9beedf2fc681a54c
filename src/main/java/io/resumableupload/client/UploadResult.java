package io.resumableupload.client;

import java.net.URI;

/**
 * A finished upload.
 *
 * @param url the upload's URL (for a parallel upload, the final upload's)
 * @param bytes its size
 * @param resumed true when this run continued an upload a previous run had started
 * @param resumedFrom the bytes the server already had when this run started (0 for a new upload)
 * @param stats the figures of this run
 */
public record UploadResult(URI url, long bytes, boolean resumed, long resumedFrom, UploadStats stats) {
}
