package io.resumableupload.ops;

import java.time.Clock;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.resumableupload.config.TusConfig;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.upload.UploadService;

/**
 * Reclaims expired uploads: deletes their bytes and leaves a tombstone (410) that is purged after the retention.
 * Also re-checks unfinished final uploads, in case an assembly was cut off by a crash or failed for lack of space,
 * and retries deleting bytes the storage could not delete when their upload went.
 */
@ApplicationScoped
public class ExpirationReaper {

    private static final Logger LOG = Logger.getLogger(ExpirationReaper.class);
    private static final int BATCH = 200;

    private final UploadService uploads;
    private final UploadRepository repository;
    private final TusConfig config;
    private final Clock clock;

    ExpirationReaper(UploadService uploads, UploadRepository repository, TusConfig config, Clock clock) {
        this.uploads = uploads;
        this.repository = repository;
        this.config = config;
        this.clock = clock;
    }

    @Scheduled(every = "${tus.expiration.sweep-interval:60s}", delayed = "${tus.expiration.sweep-interval:60s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        if (uploads.draining()) {
            return;
        }
        // One sweep at a time across all replicas; the others skip this round.
        try {
            uploads.runExclusively("expiration-reaper", this::sweepNow);
        } catch (RuntimeException e) {
            // A database outage, typically: one line per sweep, not a stack trace every minute.
            LOG.warnf("the expiration sweep failed, next one in %s: %s", config.expiration().sweepInterval(), e.toString());
        }
    }

    private void sweepNow() {
        int expired = expireDue();
        long purged = repository.purgeTombstones(clock.instant().minus(config.expiration().tombstoneRetention()));
        for (String finalId : repository.findUnfinishedFinals(BATCH)) {
            // Never throws: a final that can never complete is given up, other failures are one log line.
            uploads.assembleIfReady(finalId);
        }
        uploads.retryPendingDeletes(BATCH);
        if (expired > 0 || purged > 0) {
            LOG.infof("expired %d uploads, purged %d tombstones", expired, purged);
        }
    }

    /** Expires every upload that is due, in batches; returns how many. */
    public int expireDue() {
        int expired = 0;
        while (true) {
            List<String> due = repository.findDueToExpire(clock.instant(), BATCH);
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
