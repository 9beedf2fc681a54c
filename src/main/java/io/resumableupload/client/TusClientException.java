package io.resumableupload.client;

import java.io.IOException;
import java.net.URI;

/** A TUS request failed for good: the server refused it, or retries ran out. */
public class TusClientException extends IOException {

    private final int status;
    private final URI url;
    private final String reason;

    public TusClientException(String message, int status, URI url, Throwable cause) {
        this(message, message, status, url, cause);
    }

    /**
     * @param message the whole story: which request, to where, and the reason
     * @param reason the reason alone, e.g. {@code connection refused} or {@code answered 503: ERR_...}
     */
    public TusClientException(String message, String reason, int status, URI url, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.url = url;
        this.reason = reason;
    }

    /** The HTTP status of the last response, or -1 when there was none (an I/O error). */
    public int status() {
        return status;
    }

    /** The upload's URL, when one was created. */
    public URI url() {
        return url;
    }

    /** Why the request failed, without the request: {@code connection refused}, {@code answered 413: ...}. */
    public String reason() {
        return reason;
    }
}
