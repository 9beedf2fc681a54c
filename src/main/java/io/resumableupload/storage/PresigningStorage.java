package io.resumableupload.storage;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/**
 * Capability: the backend can hand out a short-lived URL from which a client downloads a finished upload directly
 * (S3 presigned GET), so a download can be answered with a redirect instead of streamed through the server.
 */
public interface PresigningStorage {

    /**
     * A URL valid for {@code validity} that serves {@code uploadId}'s bytes with the given response headers (which
     * override whatever the object store holds, so the download headers stay the server's decision).
     */
    URI presignDownload(String uploadId, String contentType, String contentDisposition, Duration validity)
            throws IOException;
}
