package io.resumableupload.lock;

/** A held upload lock; closing it releases it. Closing twice is harmless. */
public interface UploadLock extends AutoCloseable {

    /** The upload this lock protects. */
    String uploadId();

    /**
     * False once the lock is known to be lost (a lease that expired, a backend connection that died). Cheap (no
     * round trip): a holder checks it before every batch it writes and stops if it is false.
     */
    boolean isHeld();

    /**
     * Asks the backend whether the lock is still this holder's (a fencing check), for the moment right before the
     * offset advances. May cost a round trip; by default the same as {@link #isHeld()}.
     */
    default boolean confirmHeld() {
        return isHeld();
    }

    @Override
    void close();
}
