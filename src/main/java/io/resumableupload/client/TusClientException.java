package io.resumableupload.client;

import java.io.IOException;
import java.net.URI;

/** A TUS request failed for good: the server refused it, or retries ran out. */
public class TusClientException extends IOException {

    private final int status;
    private final URI url;

    public TusClientException(String message, int status, URI url, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.url = url;
    }

    /** The HTTP status of the last response, or -1 when there was none (an I/O error). */
    public int status() {
        return status;
    }

    /** The upload's URL, when one was created. */
    public URI url() {
        return url;
    }
}
