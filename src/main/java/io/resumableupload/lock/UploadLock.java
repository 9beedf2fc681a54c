package io.resumableupload.lock;

/** A held upload lock; closing it releases it. Closing twice is harmless. */
public interface UploadLock extends AutoCloseable {

    /** The upload this lock protects. */
    String uploadId();

    /**
     * False once the lock is known to be lost (a lease that expired, a backend connection that died). A holder
     * checks it before it advances the offset and stops if it is false.
     */
    boolean isHeld();

    @Override
    void close();
}
