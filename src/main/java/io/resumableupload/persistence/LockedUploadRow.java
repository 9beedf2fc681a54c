package io.resumableupload.persistence;

import java.time.Instant;

/**
 * An upload's row held under its transaction-level advisory lock ({@link UploadRepository#tryLockRow}); one user at
 * a time. The lock lasts until {@link #compareAndSetOffsetAndCommit} commits or {@link #close} ends the holder's part
 * in the transaction.
 */
public interface LockedUploadRow extends AutoCloseable {

    /** The row as read under the lock. */
    UploadRecord record();

    /** Whether the lock is still this holder's (false once it committed or closed, or its transaction ended). */
    boolean isOpen();

    /**
     * Whether the lock ended before this holder committed or closed (its group's connection failed): its holder must
     * stop writing.
     */
    boolean isLost();

    /**
     * Whether the database still holds the lock: a round trip on the connection (a connection that broke took its
     * transaction, and the lock, with it).
     */
    boolean confirmOpen();

    /**
     * The offset compare-and-set ({@link UploadRepository#compareAndSetOffset}), with {@code event} (a post-finish, or
     * null) written if and only if the offset moved, then the commit, which frees the lock. After it the lock is
     * gone, whatever the answer.
     *
     * @throws IllegalStateException when the lock had already ended
     */
    boolean compareAndSetOffsetAndCommit(long expectedOffset, long newOffset, Long declaredLength, Instant expiresAt,
            Instant finishedAt, OutboxEvent event);

    /** Ends this holder's part: rolled back unless committed, and the lock freed. */
    @Override
    void close();
}
