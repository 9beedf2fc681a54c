package io.resumableupload.persistence;

import java.sql.SQLException;
import java.util.List;

/**
 * Group commit for the rows of new uploads: while one batch is in PostgreSQL, the inserts that arrive wait, and then
 * go together as one statement (one round trip, one commit and one statement for PostgreSQL to run, instead of one of
 * each per upload). A lone insert goes at once: nothing waits for a timer, so the batches grow with the load. Each
 * caller returns once its row is committed, or throws what its statement threw. A batch refused for its data (a
 * duplicate id from a hook, a constraint) is tried again row by row, so only the bad row's caller fails; any other
 * failure (the database out of reach) is every caller's, and that of every caller queued meanwhile.
 *
 * <p>
 * The queue and its turns: {@link GroupQueue}.
 */
final class InsertBatcher {

    /** The most rows one statement carries. */
    static final int MAX_BATCH = 32;

    /** The statements the batcher runs. */
    interface Statements {

        /** Inserts one row, committed on return. */
        void insertOne(UploadRecord upload);

        /** Inserts every row in one statement, committed on return. */
        void insertAll(List<UploadRecord> uploads);
    }

    private final Statements statements;
    private final GroupQueue<Waiting> queue = new GroupQueue<>(MAX_BATCH);

    InsertBatcher(Statements statements) {
        this.statements = statements;
    }

    /** Inserts {@code upload}'s row; returns once it is committed. */
    void insert(UploadRecord upload) {
        Waiting me = new Waiting(upload);
        queue.join(me, this::run);
        me.throwIfFailed();
    }

    private void run(List<Waiting> batch) {
        try {
            if (batch.size() == 1) {
                insertOne(batch.get(0));
                return;
            }
            try {
                statements.insertAll(batch.stream().map(Waiting::upload).toList());
            } catch (RuntimeException e) {
                if (!refusedForItsData(e)) {
                    batch.forEach(waiting -> waiting.done(e));
                    failQueued(e);
                    return;
                }
                batch.forEach(this::insertOne);
                return;
            }
            batch.forEach(waiting -> waiting.done(null));
        } finally {
            // Never leave a caller waiting (an Error, say): it fails with what happened, or learns nothing happened.
            RuntimeException unfinished = new IllegalStateException("the insert batch ended before this row was inserted");
            batch.forEach(waiting -> waiting.doneUnlessDone(unfinished));
        }
    }

    private void insertOne(Waiting waiting) {
        try {
            statements.insertOne(waiting.upload());
            waiting.done(null);
        } catch (RuntimeException e) {
            waiting.done(e);
            if (!refusedForItsData(e)) {
                failQueued(e);
            }
        }
    }

    /**
     * The database failed a statement (out of reach, no connection within the pool's timeout): the callers queued
     * meanwhile fail with it too. Else, in an outage, each batch in turn would wait out the pool's acquisition
     * timeout, and the last of many queued callers would wait that many times over.
     */
    private void failQueued(RuntimeException failure) {
        queue.endQueued(waiting -> waiting.done(failure));
    }

    /** SQLState class 22 (data exception) or 23 (integrity constraint violation): a row's fault, not the database's. */
    static boolean refusedForItsData(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"))) {
                return true;
            }
        }
        return false;
    }

    /** A caller's row, and how its insert ended (written by the batch's thread before the queue lets the caller go). */
    private static final class Waiting {
        private final UploadRecord upload;
        private boolean done;
        private RuntimeException failure;

        Waiting(UploadRecord upload) {
            this.upload = upload;
        }

        UploadRecord upload() {
            return upload;
        }

        synchronized void done(RuntimeException failure) {
            this.done = true;
            this.failure = failure;
        }

        synchronized void doneUnlessDone(RuntimeException failure) {
            if (!done) {
                done(failure);
            }
        }

        synchronized void throwIfFailed() {
            if (failure != null) {
                throw DatabaseException.onCallersThread(failure);
            }
        }
    }
}
