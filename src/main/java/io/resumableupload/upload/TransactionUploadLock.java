package io.resumableupload.upload;

import java.time.Duration;
import java.time.Instant;

import io.resumableupload.lock.UploadLock;
import io.resumableupload.persistence.LockedUploadRow;
import io.resumableupload.persistence.OutboxEvent;

/**
 * An upload's lock held as a transaction-level advisory lock ({@code UploadRepository.tryLockRow}) plus the
 * in-process lock of this replica; the offset commit ends it. It is checked like a lock session: a holder that has
 * not heard from the database for a heartbeat asks it again before its next write, so a connection that broke (and
 * freed the lock) stops the writer as soon as a lost session would. {@link #confirmHeld()} needs no round trip of its
 * own (the default): the commit runs on the connection that holds the lock, so it cannot succeed without it.
 */
final class TransactionUploadLock implements UploadLock, OffsetCommits {

    private final LockedUploadRow row;
    private final UploadLock inProcess;
    private final long heartbeatNanos;
    private volatile long confirmedAt;
    private volatile boolean lost;

    TransactionUploadLock(LockedUploadRow row, UploadLock inProcess, Duration heartbeat) {
        this.row = row;
        this.inProcess = inProcess;
        this.heartbeatNanos = heartbeat.toNanos();
        this.confirmedAt = System.nanoTime();
    }

    @Override
    public String uploadId() {
        return inProcess.uploadId();
    }

    /**
     * After the commit (the append's last act: it commits once), still true until closed, as a lock's holder that
     * has not let go: nothing took the lock away.
     */
    @Override
    public boolean isHeld() {
        if (lost || !inProcess.isHeld()) {
            return false;
        }
        if (row.isLost()) {
            lost = true;
            return false;
        }
        if (row.isOpen() && System.nanoTime() - confirmedAt > heartbeatNanos) {
            if (!row.confirmOpen() && row.isOpen()) {
                lost = true;
                return false;
            }
            confirmedAt = System.nanoTime();
        }
        return true;
    }

    @Override
    public boolean compareAndSetOffset(long expectedOffset, long newOffset, Long declaredLength, Instant expiresAt,
            Instant finishedAt, OutboxEvent event) {
        return row.compareAndSetOffsetAndCommit(expectedOffset, newOffset, declaredLength, expiresAt, finishedAt,
                event);
    }

    @Override
    public boolean commitsOnce() {
        return true;
    }

    /** The transaction first (rolled back unless committed: the lock ends), then the in-process lock. */
    @Override
    public void close() {
        try {
            row.close();
        } finally {
            inProcess.close();
        }
    }
}
