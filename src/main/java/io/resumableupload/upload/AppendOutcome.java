package io.resumableupload.upload;

import java.time.Instant;
import java.util.Map;

import io.resumableupload.persistence.UploadRecord;
import io.resumableupload.protocol.TusError;

/**
 * How an append ended.
 *
 * @param uploadId the upload appended to
 * @param offset the committed offset afterwards (bytes stored, including any this request stored before it was
 *        stopped)
 * @param expiresAt the upload's expiry afterwards, or null
 * @param error null when the whole body was stored; otherwise the error to answer with
 * @param detail the error's detail message
 * @param bodyFullyRead false when the request was stopped before its body ended; the connection must then be
 *        closed after the response
 * @param finished the upload as this append completed it, or null (it was not completed by this append)
 * @param headers response headers added by pre-finish hooks
 */
public record AppendOutcome(String uploadId, long offset, Instant expiresAt, TusError error, String detail,
        boolean bodyFullyRead, UploadRecord finished, Map<String, String> headers) {

    public AppendOutcome(String uploadId, long offset, Instant expiresAt, TusError error, String detail,
            boolean bodyFullyRead, UploadRecord finished) {
        this(uploadId, offset, expiresAt, error, detail, bodyFullyRead, finished, Map.of());
    }

    /** This outcome with response headers a pre-finish hook added. */
    public AppendOutcome withHeaders(Map<String, String> more) {
        return new AppendOutcome(uploadId, offset, expiresAt, error, detail, bodyFullyRead, finished, more);
    }

    public boolean complete() {
        return error == null;
    }
}
