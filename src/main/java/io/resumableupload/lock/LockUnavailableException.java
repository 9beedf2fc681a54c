package io.resumableupload.lock;

/** The lock backend cannot be reached: the request fails closed (503), never proceeds unlocked. */
public class LockUnavailableException extends RuntimeException {

    public LockUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
