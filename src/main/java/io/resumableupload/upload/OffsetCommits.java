package io.resumableupload.upload;

import java.time.Instant;

import io.resumableupload.persistence.OutboxEvent;

/** Where an append's offset compare-and-set goes (see {@code UploadRepository.compareAndSetOffset}). */
interface OffsetCommits {

    /**
     * Moves the offset from {@code expectedOffset} to {@code newOffset} if it is still {@code expectedOffset}, with
     * the declared length, the new expiry, the completion time and {@code event} (each may be null).
     *
     * @return false when the offset had moved, or the upload is gone or expired
     */
    boolean compareAndSetOffset(long expectedOffset, long newOffset, Long declaredLength, Instant expiresAt,
            Instant finishedAt, OutboxEvent event);

    /** True when the first commit also ends the append's lock: the append then commits once, at its end. */
    default boolean commitsOnce() {
        return false;
    }
}
