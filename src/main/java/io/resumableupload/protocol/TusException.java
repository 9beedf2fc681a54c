package io.resumableupload.protocol;

/** A protocol error with its catalogue entry; the API layer turns it into the response. */
public class TusException extends RuntimeException {

    private final TusError error;

    public TusException(TusError error) {
        this(error, error.message());
    }

    public TusException(TusError error, String detail) {
        super(detail, null, false, false);
        this.error = error;
    }

    public TusException(TusError error, String detail, Throwable cause) {
        super(detail, cause, false, false);
        this.error = error;
    }

    public TusError error() {
        return error;
    }

    /** The response body: {@code ERR_CODE: detail}. */
    public String body() {
        return error.code() + ": " + getMessage();
    }
}
