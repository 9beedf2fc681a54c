package io.resumableupload.storage.gcs;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.scheduler.Scheduled;
import io.resumableupload.storage.UploadStorage;

/**
 * Deletes the objects of uploads whose row is gone but whose GCS state is not: a process that died between creating
 * the state and committing the upload's row, or a row deleted by hand. (A deletion GCS could not carry out is retried
 * from {@code pending_delete} by the reaper.) Runs on every replica; deletions are idempotent.
 */
@ApplicationScoped
class GcsReclaimer {

    /** Older than this, GCS state without an upload row cannot belong to a creation still in progress. */
    private static final Duration MIN_AGE = Duration.ofHours(1);

    private final UploadStorage storage;

    GcsReclaimer(UploadStorage storage) {
        this.storage = storage;
    }

    @Scheduled(every = "${tus.expiration.sweep-interval}", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reclaim() {
        if (storage instanceof GcsStorage gcs) {
            gcs.reclaimOrphans(MIN_AGE);
        }
    }
}
