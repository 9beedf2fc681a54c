package io.resumableupload.lock;

/** The lock stayed held by another request for the whole acquire timeout. */
public class LockTimeoutException extends Exception {

    public LockTimeoutException(String uploadId) {
        super("lock of upload " + uploadId + " not released in time", null, false, false);
    }
}
