package io.resumableupload.lock;

import java.time.Duration;

/**
 * Exclusive per-upload locks, so that two requests never write the same upload at once.
 *
 * <p>
 * The newest request wins: when the lock is held, {@link #acquire} first asks the holder to let go (it calls the
 * holder's {@code onReleaseRequested}), then waits. A PATCH holding the lock reacts by storing what it received,
 * advancing the offset and releasing, so a client that resumes after a dropped connection is answered within about
 * a second instead of waiting for the stale request to time out [tusd requestUnlock; RUFH §Concurrency].
 *
 * <p>
 * Locks are advisory for correctness: the offset compare-and-set in the database stays the last guard against two
 * writers, whatever a backend says.
 */
public interface UploadLocks {

    /**
     * Takes the lock of {@code uploadId}, asking its current holder to release it if there is one.
     *
     * @param timeout how long to wait for the holder to let go
     * @param onReleaseRequested called (at most once, from any thread, possibly while the caller still works) when
     *        a later request wants this lock; must be cheap and thread-safe, and should make the holder close the
     *        lock soon
     * @throws LockTimeoutException when the lock was not free within {@code timeout}
     */
    UploadLock acquire(String uploadId, Duration timeout, Runnable onReleaseRequested)
            throws LockTimeoutException, InterruptedException;

    /**
     * Takes the lock of {@code uploadId} only if nobody holds it right now, here or in another replica, and never
     * asks a holder to let go: for background work (the expiration reaper) that must not interrupt an append in
     * progress. A request that wants the lock while this caller holds it waits for it to finish.
     *
     * @return the lock, or null when it is held
     * @throws LockUnavailableException when the backend cannot be reached
     */
    UploadLock tryAcquire(String uploadId);

    /**
     * Checks the backend can be reached now (readiness).
     *
     * @throws Exception naming what is wrong
     */
    default void checkAvailable() throws Exception {
    }
}
