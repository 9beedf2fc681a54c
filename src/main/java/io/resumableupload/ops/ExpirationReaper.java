package io.resumableupload.ops;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.resumableupload.config.TusConfig;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.upload.UploadService;

/**
 * Reclaims expired uploads: deletes their bytes and leaves a tombstone (410) that is purged after the retention.
 * Also re-checks unfinished final uploads, in case an assembly was cut off by a crash.
 */
@ApplicationScoped
public class ExpirationReaper {

    private static final Logger LOG = Logger.getLogger(ExpirationReaper.class);
    private static final int BATCH = 200;

    private final UploadService uploads;
    private final UploadRepository repository;
    private final TusConfig config;

    ExpirationReaper(UploadService uploads, UploadRepository repository, TusConfig config) {
        this.uploads = uploads;
        this.repository = repository;
        this.config = config;
    }

    @Scheduled(every = "${tus.expiration.sweep-interval:60s}", delayed = "${tus.expiration.sweep-interval:60s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        if (uploads.draining()) {
            return;
        }
        // One sweep at a time across all replicas; the others skip this round.
        uploads.runExclusively("expiration-reaper", this::sweepNow);
    }

    private void sweepNow() {
        int expired = expireDue();
        long purged = repository.purgeTombstones(Instant.now().minus(config.expiration().tombstoneRetention()));
        for (String finalId : repository.findUnfinishedFinals(BATCH)) {
            try {
                uploads.assembleIfReady(finalId);
            } catch (RuntimeException e) {
                LOG.warnf(e, "assembling final upload %s failed", finalId);
            }
        }
        if (expired > 0 || purged > 0) {
            LOG.infof("expired %d uploads, purged %d tombstones", expired, purged);
        }
    }

    /** Expires every upload that is due, in batches; returns how many. */
    public int expireDue() {
        int expired = 0;
        while (true) {
            List<String> due = repository.findDueToExpire(Instant.now(), BATCH);
            int before = expired;
            for (String id : due) {
                if (uploads.expire(id)) {
                    expired++;
                }
            }
            // Stop when the batch was short, or when nothing in it could be expired (all busy).
            if (due.size() < BATCH || expired == before) {
                return expired;
            }
        }
    }
}
