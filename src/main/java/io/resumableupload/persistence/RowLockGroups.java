package io.resumableupload.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
 * committed or left {@link #STRAGGLER_WAIT} after another asked to (never expected: a disk that stalls) does not hold
 * the others up longer, nor lose its lock: see {@link Group}.
 */
final class RowLockGroups {

    private static final Logger LOG = Logger.getLogger(RowLockGroups.class);

    /** The most appends one group takes. */
    static final int MAX_GROUP = 32;

    /** How long a group being formed waits for a connection permit before its appends take the usual path. */
    static final Duration PERMIT_WAIT = Duration.ofSeconds(2);

    /**
     * Bounds each round trip of a group (PostgreSQL cancels it after that): every append asking for a lock meanwhile
     * waits for the group being formed, so one statement that hangs must not hold them all for longer.
     */
    static final int STATEMENT_TIMEOUT_SECONDS = 30;

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
                // Those queued meanwhile would each wait out the bound again: they take the usual path at once.
                queue.endQueued(j -> j.done(Optional.empty(), null));
                return;
            }
            Connection connection = null;
            boolean handedOver = false;
            try {
                connection = dataSource.getConnection();
                connection.setAutoCommit(false);
                // Never expected (the in-process lock lets one request per upload ask), but two members of one id
                // would both be told their offset moved by an UPDATE that applied one of them: the second goes the
                // usual way.
                Set<String> ids = new HashSet<>();
                List<Joining> asking = new ArrayList<>();
                for (Joining j : joining) {
                    if (ids.add(j.id)) {
                        asking.add(j);
                    } else {
                        j.done(Optional.empty(), null);
                    }
                }
                Map<String, UploadRecord> rows = new HashMap<>();
                Map<String, RuntimeException> unreadable = new HashMap<>();
                List<Boolean> locked = new ArrayList<>();
                lockAndRead(connection, asking, locked, rows, unreadable);
                Group group = new Group(connection);
                List<Joining> in = new ArrayList<>();
                for (int i = 0; i < asking.size(); i++) {
                    Joining j = asking.get(i);
                    if (unreadable.containsKey(j.id)) {
                        j.done(null, unreadable.get(j.id));
                    } else if (i < locked.size() && locked.get(i) && rows.containsKey(j.id)) {
                        in.add(j);
                    } else {
                        j.done(Optional.empty(), null);
                    }
                }
                if (in.isEmpty()) {
                    return;
                }
                List<Group.Member> made = new ArrayList<>();
                for (Joining j : in) {
                    made.add(group.join(rows.get(j.id), j.lockKey));
                }
                handedOver = true;
                groups.incrementAndGet();
                members.addAndGet(in.size());
                for (int i = 0; i < in.size(); i++) {
                    in.get(i).done(Optional.of(made.get(i)), null);
                }
            } catch (SQLException e) {
                DatabaseException failure = new DatabaseException(e);
                joining.forEach(j -> j.doneUnlessDone(failure));
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
            return permits.tryAcquire(PERMIT_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A row that cannot be read (never expected: a bad column) fails its own append only, in {@code unreadable}. */
    private void lockAndRead(Connection connection, List<Joining> joining, List<Boolean> locked,
            Map<String, UploadRecord> rows, Map<String, RuntimeException> unreadable) throws SQLException {
        Long[] keys = joining.stream().map(j -> j.lockKey).toArray(Long[]::new);
        String[] ids = joining.stream().map(j -> j.id).toArray(String[]::new);
        try (PreparedStatement statement = connection.prepareStatement(isolation + LOCK_AND_READ)) {
            statement.setQueryTimeout(STATEMENT_TIMEOUT_SECONDS);
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
                            try {
                                UploadRecord record = UploadRepository.toRecord(result);
                                rows.put(record.id(), record);
                            } catch (RuntimeException e) {
                                unreadable.put(result.getString("id"), e);
                            }
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
            if (failure != null) {
                throw DatabaseException.onCallersThread(failure);
            }
            return row;
        }
    }

    /** One member's compare-and-set, waiting for the group's commit. */
    private record Change(String id, long expectedOffset, long newOffset, Long declaredLength, Instant expiresAt,
            Instant finishedAt, OutboxEvent event) {
    }

    /**
     * A transaction shared by members, open until every member asked for the commit or left. Its monitor orders
     * everything done on its connection. A member that has done neither {@link #stragglerWait} after another asked
     * (a stalled disk) is a straggler: the others commit without it, but its lock must not end with their commit, so
     * the group takes it again as a session-level lock on the same connection first (granted at once: the session
     * holds it) and keeps the connection until each straggler has committed alone or left.
     */
    private final class Group {
        private final Connection connection;
        private final List<Member> members = new ArrayList<>();
        /** Members that have neither asked for the commit nor left. */
        private int outstanding;
        private final List<Change> changes = new ArrayList<>();
        /** The shared commit ran (or failed): every member that asked has its answer. */
        private boolean committed;
        /** The ids whose offset the shared commit moved. */
        private Set<String> changed = Set.of();
        private SQLException failure;
        /** Stragglers hold session-level locks on the connection. */
        private boolean lingering;
        /** The connection went back to the pool (and the permit with it): no member holds a lock any longer. */
        private boolean released;

        Group(Connection connection) {
            this.connection = connection;
        }

        Member join(UploadRecord record, long lockKey) {
            Member member = new Member(record, lockKey);
            synchronized (this) {
                members.add(member);
                outstanding++;
            }
            return member;
        }

        /** Called holding the monitor, by a member that has just left {@code in}. */
        private boolean commit(Member member, Change change) {
            if (committed) {
                return commitAlone(member, change);
            }
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
            return changed.contains(change.id());
        }

        /** Called holding the monitor, by a member that has just left {@code in} without a commit. */
        private void leave(Member member) {
            if (committed) {
                unlockStraggler(member);
                return;
            }
            outstanding--;
            if (outstanding == 0) {
                end();
            }
        }

        private boolean connectionValid() {
            try {
                return !released && connection.isValid(5);
            } catch (SQLException e) {
                return false;
            }
        }

        private void awaitEnd() {
            long deadline = System.nanoTime() + stragglerWait.toNanos();
            boolean interrupted = false;
            while (!committed) {
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

        /**
         * Commits the changes asked for (rolls back if none), first keeping the stragglers' locks if there are any;
         * gives the connection back unless they hold some; wakes the members.
         */
        private void end() {
            List<Member> stragglers = members.stream().filter(member -> member.in).toList();
            try {
                if (!stragglers.isEmpty()) {
                    keepLocks(stragglers);
                    lingering = true;
                }
                if (!changes.isEmpty()) {
                    changed = compareAndSetAllAndCommit();
                } else {
                    connection.rollback();
                }
            } catch (SQLException e) {
                failure = e;
            } finally {
                committed = true;
                if (stragglers.isEmpty() || failure != null) {
                    release();
                }
                notifyAll();
            }
        }

        private void keepLocks(List<Member> stragglers) throws SQLException {
            Long[] keys = stragglers.stream().map(member -> member.lockKey).toArray(Long[]::new);
            try (PreparedStatement lock = connection
                    .prepareStatement("SELECT pg_advisory_lock(lock_key) FROM unnest(CAST(? AS BIGINT[])) AS kept(lock_key)")) {
                lock.setQueryTimeout(STATEMENT_TIMEOUT_SECONDS);
                lock.setArray(1, connection.createArrayOf("int8", keys));
                lock.execute();
            }
        }

        /** A straggler's commit after the others': its own transaction on the connection, then its lock goes. */
        private boolean commitAlone(Member member, Change change) {
            try {
                return UploadRepository.compareAndSetAndCommit(connection, change.id(), change.expectedOffset(),
                        change.newOffset(), change.declaredLength(), change.expiresAt(), change.finishedAt(),
                        change.event());
            } catch (SQLException e) {
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // a broken connection: the unlock below fails too, and the group gives the connection back
                }
                throw new DatabaseException(e);
            } finally {
                unlockStraggler(member);
            }
        }

        private void unlockStraggler(Member member) {
            try (PreparedStatement unlock = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                unlock.setLong(1, member.lockKey);
                unlock.execute();
            } catch (SQLException e) {
                // A broken connection took the lock with it.
                LOG.debugf("unlocking a straggler's lock failed: %s", e.getMessage());
            }
            outstanding--;
            if (outstanding == 0) {
                release();
            }
        }

        /** Gives the connection back (without any session-level lock) and the permit. */
        private void release() {
            if (released) {
                return;
            }
            released = true;
            if (lingering) {
                try (Statement unlock = connection.createStatement()) {
                    unlock.execute("SELECT pg_advisory_unlock_all()");
                } catch (SQLException ignored) {
                    // a broken connection: PostgreSQL ended its session, and its locks
                }
            }
            UploadRepository.endQuietly(connection);
            permits.release();
        }

        private Set<String> compareAndSetAllAndCommit() throws SQLException {
            int n = changes.size();
            String[] ids = new String[n];
            Long[] expected = new Long[n];
            Long[] next = new Long[n];
            Long[] declared = new Long[n];
            String[] expires = new String[n];
            String[] finished = new String[n];
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
                update.setQueryTimeout(STATEMENT_TIMEOUT_SECONDS);
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
                List<OutboxEvent> events = new ArrayList<>();
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
            private final long lockKey;
            /** Neither committed nor left. */
            private boolean in = true;

            Member(UploadRecord record, long lockKey) {
                this.record = record;
                this.lockKey = lockKey;
            }

            @Override
            public UploadRecord record() {
                return record;
            }

            @Override
            public boolean isOpen() {
                synchronized (Group.this) {
                    return in && !released;
                }
            }

            @Override
            public boolean isLost() {
                synchronized (Group.this) {
                    return in && released;
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
                    if (!in || released) {
                        throw new IllegalStateException("the lock of upload " + record.id() + " ended with its transaction");
                    }
                    in = false;
                    return commit(this, new Change(record.id(), expectedOffset, newOffset, declaredLength, expiresAt,
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
                    if (!released) {
                        leave(this);
                    }
                }
            }
        }
    }
}
