package io.resumableupload.storage.fs;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.storage.UploadStorage;

/**
 * Deletes upload files that have no row: a creation-with-upload writes its body before it inserts the row (one
 * commit instead of two), so a process killed between the two leaves a file nobody can address. Every other file
 * appears after its row. Files younger than an hour are left alone (their creation may still be under way). Runs
 * hourly on every replica; deletions are idempotent.
 */
@ApplicationScoped
public class FileSystemReclaimer {

    private static final Logger LOG = Logger.getLogger(FileSystemReclaimer.class);

    /** Older than this, a file without a row cannot belong to a creation still in progress. */
    static final Duration MIN_AGE = Duration.ofHours(1);

    private static final int BATCH = 500;

    private final UploadStorage storage;
    private final UploadRepository repository;
    private final Clock clock;

    FileSystemReclaimer(UploadStorage storage, UploadRepository repository, Clock clock) {
        this.storage = storage;
        this.repository = repository;
        this.clock = clock;
    }

    @Scheduled(every = "1h", delayed = "10m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            reclaimOrphans();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("looking for upload files without a row failed, next time in an hour: %s", e.toString());
        }
    }

    /** Deletes the files without a row that are older than {@link #MIN_AGE}; returns how many. */
    public int reclaimOrphans() throws IOException {
        if (!(storage instanceof FileSystemStorage files)) {
            return 0;
        }
        Sweep sweep = new Sweep(files);
        files.forEachFileModifiedBefore(clock.instant().minus(MIN_AGE), sweep::add);
        sweep.flush();
        if (sweep.reclaimed > 0) {
            LOG.infof("deleted %d upload files that had no row (left by a crash during a creation)", sweep.reclaimed);
        }
        if (sweep.failure != null) {
            throw sweep.failure;
        }
        return sweep.reclaimed;
    }

    /** Ids of old files, looked up in batches of {@link #BATCH}; those without a row are deleted. */
    private final class Sweep {
        private final FileSystemStorage files;
        private final List<String> batch = new ArrayList<>();
        private int reclaimed;
        /** The last deletion that failed (the others are still tried). */
        private IOException failure;

        Sweep(FileSystemStorage files) {
            this.files = files;
        }

        void add(String id) {
            batch.add(id);
            if (batch.size() == BATCH) {
                flush();
            }
        }

        void flush() {
            if (batch.isEmpty()) {
                return;
            }
            Set<String> existing = repository.existingIds(batch);
            for (String id : batch) {
                if (existing.contains(id)) {
                    continue;
                }
                try {
                    files.delete(id);
                    reclaimed++;
                } catch (IOException e) {
                    failure = e;
                }
            }
            batch.clear();
        }
    }
}
