package io.resumableupload.storage.s3;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.scheduler.Scheduled;
import io.resumableupload.storage.UploadStorage;

/**
 * Deletes the objects and multipart uploads of uploads whose row is gone but whose S3 state is not: a process that
 * died between creating S3 state and committing the upload's row, or a row deleted by hand. (A deletion S3 could not
 * carry out is retried from {@code pending_delete} by the reaper.) Runs on every replica; deletions are idempotent.
 */
@ApplicationScoped
class S3Reclaimer {

    /** Older than this, S3 state without an upload row cannot belong to a creation still in progress. */
    private static final Duration MIN_AGE = Duration.ofHours(1);

    private final UploadStorage storage;

    S3Reclaimer(UploadStorage storage) {
        this.storage = storage;
    }

    @Scheduled(every = "${tus.expiration.sweep-interval}", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reclaim() {
        if (storage instanceof S3Storage s3) {
            s3.reclaimOrphans(MIN_AGE);
        }
    }
}
