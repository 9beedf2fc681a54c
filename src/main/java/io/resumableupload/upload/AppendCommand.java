package io.resumableupload.upload;

import io.resumableupload.protocol.UploadChecksum;

/**
 * A validated append request.
 *
 * @param offset Upload-Offset
 * @param declaredLength Upload-Length sent with the append (declaring a deferred length), or null
 * @param checksum Upload-Checksum, or null
 * @param contentLength the body's Content-Length, or -1 when unknown (chunked)
 */
public record AppendCommand(long offset, Long declaredLength, UploadChecksum checksum, long contentLength) {
}
