/**
 * The lock SPI: one writer per upload, and the newest request wins.
 *
 * <p>
 * {@link io.resumableupload.lock.UploadLocks#acquire} asks the current holder to let go through the
 * {@code onReleaseRequested} callback the holder registered, then waits up to the acquire timeout. Every request
 * that reads or writes upload state takes the lock: HEAD (so it never reports an offset a stalled PATCH is about
 * to move), PATCH, DELETE, and the assembly of a final upload. GET of a finished upload does not: its bytes no
 * longer change.
 *
 * <p>
 * Backends: {@code memory} (one replica), {@code postgres} (session-level advisory locks on dedicated sessions,
 * release requests by LISTEN/NOTIFY; freed by PostgreSQL the moment a replica's sessions end) and {@code redis}
 * (leases with renewal and a fencing check, release requests by pub/sub). {@link io.resumableupload.lock.LockProducer}
 * picks one from {@code tus.lock.backend}, defaulting to {@code postgres} on an external database.
 */
package io.resumableupload.lock;
