package io.resumableupload.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

/**
 * Group commit for small appends whose bodies are in hand: the appends that ask for their upload's lock while one
 * group is being formed wait, and then share one transaction. Its first round trip takes every member's
 * transaction-level advisory lock and reads every member's row; each member then writes and fsyncs its bytes on its
 * own thread; the last one to finish runs every member's offset compare-and-set as one statement, and the commit,
 * in the second round trip. So PostgreSQL runs two round trips, two statements and one commit per group instead of
 * per append, and the group holds one pooled connection (one of the transaction-lock permits) instead of one each.
 *
 * <p>
 * The guarantees are those of a lone transaction-level lock: each lock is held from before its row is read until
 * after its offset is committed (the commit ends them all), a replica that dies takes the transaction and every
 * lock with it, and the compare-and-set stays the last guard. What a member gives up is when its lock ends: at the
 * group's commit, after the other members' writes; a member whose lock is busy elsewhere (or whose row is missing)
 * is not in the group and takes the usual path. A member that fails before its commit leaves the group (nothing of
 * it is written); if the group's commit fails, every member that asked for it throws what it threw.
 *
 * <p>
 * A member waits for the others' writes, on its worker, which is why only bodies already in hand join: their write,
 * fsync and commit run on the worker that took the request, without waiting for a client. A member that has not
 * committed or left after {@link #STRAGGLER_WAIT} (never expected: a disk that stalls) is left behind: the
 * others commit, which ends its lock, and its own commit then throws as any commit after a lost lock does.
 */
final class RowLockGroups {

    private static final Logger LOG = Logger.getLogger(RowLockGroups.class);

    /** The most appends one group takes. */
    static final int MAX_GROUP = 32;

    /** How long a group being formed waits for a connection permit before its appends take the usual path. */
    static final Duration PERMIT_WAIT = Duration.ofSeconds(2);

    /** How long members that committed wait for the others before they commit without them. */
    static final Duration STRAGGLER_WAIT = Duration.ofSeconds(30);

    /**
     * The statements of a group take arrays of ids, and their plans must look the ids up in the primary key whatever
     * the table's size: PostgreSQL caches a prepared statement's plan per connection, and a plan made while the table
     * was nearly empty scanned all of it (a sequential scan was cheaper then), and kept doing so as the table grew (a
     * benchmark's PostgreSQL CPU per upload doubled within 30,000 uploads; no ANALYZE ran to make it plan again).
     * So the group's transaction rules out sequential scans, and asks for the generic plans: with its default mode
     * PostgreSQL may plan every execution again for its array's length.
     */
    private static final String LOCK_AND_READ = "SELECT set_config('enable_seqscan', 'off', true), "
            + "set_config('plan_cache_mode', 'force_generic_plan', true); "
            + "SELECT pg_try_advisory_xact_lock(lock_key) FROM "
            + "unnest(CAST(? AS BIGINT[])) WITH ORDINALITY AS wanted(lock_key, place) ORDER BY place; SELECT "
            + UploadRepository.COLUMNS
            + " FROM upload WHERE id = ANY (?)";

    /** Every member's offset compare-and-set (the one of {@link UploadRepository#compareAndSetOffset}) at once. */
    private static final String COMPARE_AND_SET_ALL = "UPDATE upload SET upload_offset = cas.new_offset, "
            + "upload_length = COALESCE(upload.upload_length, cas.declared_length), "
            + "expires_at = CAST(cas.expires_at AS TIMESTAMPTZ), finished_at = CAST(cas.finished_at AS TIMESTAMPTZ), "
            + "updated_at = now() FROM unnest(CAST(? AS TEXT[]), CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), "
            + "CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[])) "
            + "AS cas(id, expected_offset, new_offset, declared_length, expires_at, finished_at) "
            + "WHERE upload.id = cas.id AND upload.upload_offset = cas.expected_offset "
            + "AND upload.expired_at IS NULL AND upload.finished_at IS NULL RETURNING upload.id";

    private final DataSource dataSource;
    /** One for each group's connection: shared with the lone transaction locks. */
    private final Semaphore permits;
    /** Run first in each group's transaction, or empty (READ COMMITTED is every pooled connection's level). */
    private final String isolation;
    private final Duration stragglerWait;
    private final Duration permitWait = PERMIT_WAIT;
    private final GroupQueue<Joining> queue = new GroupQueue<>(MAX_GROUP);
    private final AtomicLong groups = new AtomicLong();
    private final AtomicLong members = new AtomicLong();

    /**
     * @param permits one is held by each group from its first round trip to its commit
     * @param isolation a statement to open each transaction with (ending in "; "), or empty
     * @param stragglerWait how long members that committed wait for the others
     */
    RowLockGroups(DataSource dataSource, Semaphore permits, String isolation, Duration stragglerWait) {
        this.dataSource = dataSource;
        this.permits = permits;
        this.isolation = isolation;
        this.stragglerWait = stragglerWait;
    }

    /**
     * The upload's row under its lock, in a group; empty when the lock is held elsewhere, there is no such row, or
     * no permit was free for a group's connection.
     */
    Optional<LockedUploadRow> tryLock(String id, long lockKey) {
        Joining me = new Joining(id, lockKey);
        queue.join(me, this::form);
        return me.outcome();
    }

    /** Groups formed so far (each with at least one member). */
    long groups() {
        return groups.get();
    }

    /** Members of those groups. */
    long members() {
        return members.get();
    }

    private void form(List<Joining> joining) {
        try {
            if (!acquirePermit()) {
                joining.forEach(j -> j.done(Optional.empty(), null));
                return;
            }
            Connection connection = null;
            boolean handedOver = false;
            try {
                connection = dataSource.getConnection();
                connection.setAutoCommit(false);
                Map<String, UploadRecord> rows = new HashMap<>();
                List<Boolean> locked = new ArrayList<>();
                lockAndRead(connection, joining, locked, rows);
                List<Joining> in = new ArrayList<>();
                for (int i = 0; i < joining.size(); i++) {
                    Joining j = joining.get(i);
                    if (i < locked.size() && locked.get(i) && rows.containsKey(j.id)) {
                        in.add(j);
                    } else {
                        j.done(Optional.empty(), null);
                    }
                }
                if (in.isEmpty()) {
                    return;
                }
                Group group = new Group(connection, in.size());
                handedOver = true;
                groups.incrementAndGet();
                members.addAndGet(in.size());
                in.forEach(j -> j.done(Optional.of(group.new Member(rows.get(j.id))), null));
            } catch (SQLException e) {
                DatabaseException failure = new DatabaseException(e);
                joining.forEach(j -> j.done(null, failure));
                // The database is out of reach: those queued meanwhile would only wait for it again.
                queue.endQueued(j -> j.done(null, failure));
            } finally {
                if (!handedOver) {
                    if (connection != null) {
                        UploadRepository.endQuietly(connection);
                    }
                    permits.release();
                }
            }
        } finally {
            // Never leave a caller without an answer (an Error, say).
            IllegalStateException unfinished = new IllegalStateException("the lock group ended before this lock was taken");
            joining.forEach(j -> j.doneUnlessDone(unfinished));
        }
    }

    /**
     * Waits (bounded) for a connection permit: while every permit's group is writing, the appends that ask meanwhile
     * queue up for the next group, which is what makes groups grow with the load. Past the bound they take the
     * usual path.
     */
    private boolean acquirePermit() {
        try {
            return permits.tryAcquire(permitWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void lockAndRead(Connection connection, List<Joining> joining, List<Boolean> locked,
            Map<String, UploadRecord> rows) throws SQLException {
        Long[] keys = joining.stream().map(j -> j.lockKey).toArray(Long[]::new);
        String[] ids = joining.stream().map(j -> j.id).toArray(String[]::new);
        try (PreparedStatement statement = connection.prepareStatement(isolation + LOCK_AND_READ)) {
            statement.setArray(1, connection.createArrayOf("int8", keys));
            statement.setArray(2, connection.createArrayOf("text", ids));
            int resultSets = 0;
            for (boolean isResultSet = statement.execute();; isResultSet = statement.getMoreResults()) {
                if (!isResultSet) {
                    if (statement.getUpdateCount() == -1) {
                        break;
                    }
                    continue;
                }
                // The settings, then the locks, then the rows.
                int resultSet = resultSets++;
                try (ResultSet result = statement.getResultSet()) {
                    while (result.next()) {
                        if (resultSet == 1) {
                            locked.add(result.getBoolean(1));
                        } else if (resultSet == 2) {
                            UploadRecord record = UploadRepository.toRecord(result);
                            rows.put(record.id(), record);
                        }
                    }
                }
            }
        }
    }

    /** An append asking for its lock, and what it got: a member's row, nothing, or a failure. */
    private static final class Joining {
        private final String id;
        private final long lockKey;
        private boolean done;
        private Optional<LockedUploadRow> row;
        private RuntimeException failure;

        Joining(String id, long lockKey) {
            this.id = id;
            this.lockKey = lockKey;
        }

        synchronized void done(Optional<LockedUploadRow> row, RuntimeException failure) {
            this.done = true;
            this.row = row;
            this.failure = failure;
        }

        synchronized void doneUnlessDone(RuntimeException failure) {
            if (!done) {
                done(null, failure);
            }
        }

        synchronized Optional<LockedUploadRow> outcome() {
            if (failure instanceof DatabaseException database && database.getCause() instanceof SQLException sql) {
                // Thrown on this caller's thread with its own stack; the cause is the statement's.
                throw new DatabaseException(sql);
            }
            if (failure != null) {
                throw failure;
            }
            return row;
        }
    }

    /** One member's compare-and-set, waiting for the group's commit. */
    private record Change(String id, long expectedOffset, long newOffset, Long declaredLength, Instant expiresAt,
            Instant finishedAt, OutboxEvent event) {
    }

    /**
     * A transaction shared by members: open until every member committed or left (or the stragglers' wait ran out).
     * Its monitor orders everything done on its connection.
     */
    private final class Group {
        private final Connection connection;
        /** Members that have neither asked for the commit nor left. */
        private int outstanding;
        private final List<Change> changes = new ArrayList<>();
        private boolean ended;
        /** The ids whose offset the commit moved, once committed. */
        private Set<String> changed;
        private SQLException failure;

        Group(Connection connection, int members) {
            this.connection = connection;
            this.outstanding = members;
        }

        synchronized boolean commit(Change change) {
            changes.add(change);
            outstanding--;
            if (outstanding == 0) {
                end();
            } else {
                awaitEnd();
            }
            if (failure != null) {
                throw new DatabaseException(failure);
            }
            if (changed == null) {
                throw new IllegalStateException("the lock of upload " + change.id() + " ended before its commit");
            }
            return changed.contains(change.id());
        }

        synchronized void leave() {
            outstanding--;
            if (outstanding == 0 && !ended) {
                end();
            }
        }

        synchronized boolean isEnded() {
            return ended;
        }

        synchronized boolean connectionValid() {
            try {
                return !ended && connection.isValid(5);
            } catch (SQLException e) {
                return false;
            }
        }

        private void awaitEnd() {
            long deadline = System.nanoTime() + stragglerWait.toNanos();
            boolean interrupted = false;
            while (!ended) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warnf("%d of a lock group's members did not commit within %d ms; committing without them",
                            outstanding, stragglerWait.toMillis());
                    end();
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    // The commit may already be running on another member's thread: wait it out.
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        /** Commits the changes asked for (rolls back if none), gives the connection back, and wakes the members. */
        private void end() {
            try {
                if (!changes.isEmpty()) {
                    changed = compareAndSetAllAndCommit();
                }
            } catch (SQLException e) {
                failure = e;
            } finally {
                ended = true;
                UploadRepository.endQuietly(connection);
                permits.release();
                notifyAll();
            }
        }

        private Set<String> compareAndSetAllAndCommit() throws SQLException {
            int n = changes.size();
            String[] ids = new String[n];
            Long[] expected = new Long[n];
            Long[] next = new Long[n];
            Long[] declared = new Long[n];
            String[] expires = new String[n];
            String[] finished = new String[n];
            List<OutboxEvent> events = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Change change = changes.get(i);
                ids[i] = change.id();
                expected[i] = change.expectedOffset();
                next[i] = change.newOffset();
                declared[i] = change.declaredLength();
                // ISO-8601 in UTC: no session time zone involved.
                expires[i] = change.expiresAt() == null ? null : change.expiresAt().toString();
                finished[i] = change.finishedAt() == null ? null : change.finishedAt().toString();
            }
            boolean anyEvent = changes.stream().anyMatch(change -> change.event() != null);
            Set<String> moved = new HashSet<>();
            try (PreparedStatement update = connection
                    .prepareStatement(anyEvent ? COMPARE_AND_SET_ALL : COMPARE_AND_SET_ALL + "; COMMIT")) {
                update.setArray(1, connection.createArrayOf("text", ids));
                update.setArray(2, connection.createArrayOf("int8", expected));
                update.setArray(3, connection.createArrayOf("int8", next));
                update.setArray(4, connection.createArrayOf("int8", declared));
                update.setArray(5, connection.createArrayOf("text", expires));
                update.setArray(6, connection.createArrayOf("text", finished));
                update.execute();
                try (ResultSet rows = update.getResultSet()) {
                    while (rows.next()) {
                        moved.add(rows.getString(1));
                    }
                }
                // Past the COMMIT's result too, so that a failed commit throws here.
                while (update.getMoreResults() || update.getUpdateCount() != -1) {
                    // nothing to read
                }
            }
            if (anyEvent) {
                for (Change change : changes) {
                    if (change.event() != null && moved.contains(change.id())) {
                        events.add(change.event());
                    }
                }
                if (!events.isEmpty()) {
                    UploadRepository.insertEvents(connection, events);
                }
                connection.commit();
            }
            return moved;
        }

        /** A member's row under the group's lock. */
        final class Member implements LockedUploadRow {
            private final UploadRecord record;
            /** Neither committed nor left. */
            private boolean in = true;

            Member(UploadRecord record) {
                this.record = record;
            }

            @Override
            public UploadRecord record() {
                return record;
            }

            @Override
            public boolean isOpen() {
                synchronized (Group.this) {
                    return in && !ended;
                }
            }

            @Override
            public boolean confirmOpen() {
                synchronized (Group.this) {
                    return in && connectionValid();
                }
            }

            @Override
            public boolean compareAndSetOffsetAndCommit(long expectedOffset, long newOffset, Long declaredLength,
                    Instant expiresAt, Instant finishedAt, OutboxEvent event) {
                synchronized (Group.this) {
                    if (!in || ended) {
                        throw new IllegalStateException("the lock of upload " + record.id() + " ended with its transaction");
                    }
                    in = false;
                    return commit(new Change(record.id(), expectedOffset, newOffset, declaredLength, expiresAt,
                            finishedAt, event));
                }
            }

            @Override
            public void close() {
                synchronized (Group.this) {
                    if (!in) {
                        return;
                    }
                    in = false;
                    if (!ended) {
                        leave();
                    }
                }
            }
        }
    }
}
