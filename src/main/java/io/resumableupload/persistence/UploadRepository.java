package io.resumableupload.persistence;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * All reads and writes of upload rows. Every method is one short statement or transaction, so no database
 * connection is held while a request body streams; the offset compare-and-set lives here.
 *
 * <p>
 * The statements on the request path (find by id, insert, offset compare-and-set, length declaration) are plain
 * JDBC in autocommit on the same pool; the rest (reaper scans, finals, tombstones) go through Panache. Why: with
 * each of them a Hibernate session inside a JTA transaction, a 64 KiB upload (POST + PATCH) cost about 4 ms of CPU
 * and the server managed ~300 small uploads/s on 2 cores; a single-row statement needs neither a persistence
 * context nor a transaction manager.
 */
@ApplicationScoped
public class UploadRepository implements PanacheRepositoryBase<UploadEntity, String> {

    static final String COLUMNS = "id, upload_length, upload_offset, metadata_raw, concat_type, concat_raw, "
            + "concat_parts, created_at, expires_at, finished_at, expired_at, lost_at, owner";

    private final AgroalDataSource dataSource;

    /**
     * Permits for connections {@link #tryLockRow} holds: half the pool, so that however slow the disk (a small append
     * holds its connection through its fsync), the other half serves every other statement.
     */
    private final Semaphore transactionLocks;

    /**
     * Of those, permits for connections held while a client may still be sending: a quarter of the pool, so slow
     * clients can never hold more.
     */
    private final Semaphore arrivingTransactionLocks;

    /** The small-append lock and read, in one round trip ({@link #tryLockRow}). */
    private final String lockAndRead;

    /** Group commit of small appends whose bodies are in hand ({@link #tryLockRow}). */
    private final RowLockGroups lockGroups;

    /** Group commit of new rows. */
    private final InsertBatcher inserts = new InsertBatcher(new InsertBatcher.Statements() {
        @Override
        public void insertOne(UploadRecord upload) {
            UploadRepository.this.insertOne(upload, List.of());
        }

        @Override
        public void insertAll(List<UploadRecord> uploads) {
            UploadRepository.this.insertAll(uploads);
        }
    });

    UploadRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
        int poolSize = dataSource.getConfiguration().connectionPoolConfiguration().maxSize();
        this.transactionLocks = new Semaphore(Math.max(1, poolSize / 2));
        this.arrivingTransactionLocks = new Semaphore(Math.max(1, poolSize / 4));
        // READ COMMITTED is set on every pooled connection (application.properties); if someone configured another
        // level, each transaction asks for it (one more statement per small append).
        boolean readCommitted = dataSource.getConfiguration().connectionPoolConfiguration()
                .connectionFactoryConfiguration().jdbcTransactionIsolation()
                .level() == Connection.TRANSACTION_READ_COMMITTED;
        String isolation = readCommitted ? "" : "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; ";
        this.lockAndRead = isolation + "SELECT pg_try_advisory_xact_lock(?); SELECT " + COLUMNS
                + " FROM upload WHERE id = ?";
        this.lockGroups = new RowLockGroups(dataSource, transactionLocks, isolation, RowLockGroups.STRAGGLER_WAIT);
    }

    public void insert(UploadRecord upload) {
        insert(upload, List.of());
    }

    /**
     * Inserts the row and, in the same transaction, {@code events} (post-create, and post-finish if complete). A row
     * without events or a list of partials joins the other new rows of the moment in one statement
     * ({@link InsertBatcher}).
     */
    public void insert(UploadRecord upload, List<OutboxEvent> events) {
        if (events.isEmpty() && upload.concatParts().isEmpty()) {
            inserts.insert(upload);
            return;
        }
        insertOne(upload, events);
    }

    private void insertOne(UploadRecord upload, List<OutboxEvent> events) {
        jdbc(events, connection -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO upload (id, upload_length, "
                    + "upload_offset, metadata_raw, metadata, concat_type, concat_raw, concat_parts, created_at, "
                    + "updated_at, expires_at, finished_at, owner) VALUES (?, ?, ?, ?, CAST(? AS JSONB), ?, ?, ?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, upload.id());
                setLong(insert, 2, upload.length());
                insert.setLong(3, upload.offset());
                insert.setString(4, upload.metadataRaw());
                insert.setString(5, upload.metadataRaw() == null ? null : toJson(upload.metadata()));
                insert.setString(6, upload.concatType() == null ? null : upload.concatType().column());
                insert.setString(7, upload.concatRaw());
                insert.setArray(8, upload.concatParts().isEmpty() ? null
                        : connection.createArrayOf("text", upload.concatParts().toArray()));
                insert.setTimestamp(9, Timestamp.from(upload.createdAt()));
                insert.setTimestamp(10, Timestamp.from(upload.createdAt()));
                setInstant(insert, 11, upload.expiresAt());
                setInstant(insert, 12, upload.finishedAt());
                insert.setString(13, upload.owner());
                return insert.executeUpdate() == 1;
            }
        });
    }

    /** New rows without events or partials, in one statement (group commit: {@link InsertBatcher}). */
    void insertAll(List<UploadRecord> uploads) {
        int n = uploads.size();
        String[] ids = new String[n];
        Long[] lengths = new Long[n];
        Long[] offsets = new Long[n];
        String[] metadataRaw = new String[n];
        String[] metadata = new String[n];
        String[] concatTypes = new String[n];
        String[] concatRaw = new String[n];
        String[] createdAt = new String[n];
        String[] expiresAt = new String[n];
        String[] finishedAt = new String[n];
        String[] owners = new String[n];
        for (int i = 0; i < n; i++) {
            UploadRecord upload = uploads.get(i);
            ids[i] = upload.id();
            lengths[i] = upload.length();
            offsets[i] = upload.offset();
            metadataRaw[i] = upload.metadataRaw();
            metadata[i] = upload.metadataRaw() == null ? null : toJson(upload.metadata());
            concatTypes[i] = upload.concatType() == null ? null : upload.concatType().column();
            concatRaw[i] = upload.concatRaw();
            // ISO-8601 in UTC: no session time zone involved.
            createdAt[i] = upload.createdAt().toString();
            expiresAt[i] = upload.expiresAt() == null ? null : upload.expiresAt().toString();
            finishedAt[i] = upload.finishedAt() == null ? null : upload.finishedAt().toString();
            owners[i] = upload.owner();
        }
        jdbc(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(INSERT_ALL)) {
                insert.setArray(1, connection.createArrayOf("text", ids));
                insert.setArray(2, connection.createArrayOf("int8", lengths));
                insert.setArray(3, connection.createArrayOf("int8", offsets));
                insert.setArray(4, connection.createArrayOf("text", metadataRaw));
                insert.setArray(5, connection.createArrayOf("text", metadata));
                insert.setArray(6, connection.createArrayOf("text", concatTypes));
                insert.setArray(7, connection.createArrayOf("text", concatRaw));
                insert.setArray(8, connection.createArrayOf("text", createdAt));
                insert.setArray(9, connection.createArrayOf("text", expiresAt));
                insert.setArray(10, connection.createArrayOf("text", finishedAt));
                insert.setArray(11, connection.createArrayOf("text", owners));
                int inserted = insert.executeUpdate();
                if (inserted != n) {
                    throw new SQLException("inserted " + inserted + " of " + n + " new upload rows");
                }
                return null;
            }
        });
    }

    private static final String INSERT_ALL = "INSERT INTO upload (id, upload_length, upload_offset, metadata_raw, "
            + "metadata, concat_type, concat_raw, created_at, updated_at, expires_at, finished_at, owner) "
            + "SELECT id, upload_length, upload_offset, metadata_raw, CAST(metadata AS JSONB), concat_type, concat_raw, "
            + "CAST(created_at AS TIMESTAMPTZ), CAST(created_at AS TIMESTAMPTZ), CAST(expires_at AS TIMESTAMPTZ), "
            + "CAST(finished_at AS TIMESTAMPTZ), owner FROM unnest(CAST(? AS TEXT[]), CAST(? AS BIGINT[]), "
            + "CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), "
            + "CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[])) AS row(id, upload_length, "
            + "upload_offset, metadata_raw, metadata, concat_type, concat_raw, created_at, expires_at, finished_at, owner)";

    public Optional<UploadRecord> findRecord(String id) {
        return jdbc(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM upload WHERE id = ?")) {
                select.setString(1, id);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(toRecord(row)) : Optional.<UploadRecord> empty();
                }
            }
        });
    }

    public List<UploadRecord> findRecords(List<String> ids) {
        return jdbc(connection -> {
            try (PreparedStatement select = connection
                    .prepareStatement("SELECT " + COLUMNS + " FROM upload WHERE id = ANY (?)")) {
                select.setArray(1, connection.createArrayOf("text", ids.stream().distinct().toArray()));
                List<UploadRecord> records = new ArrayList<>();
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        records.add(toRecord(row));
                    }
                }
                return records;
            }
        });
    }

    /**
     * Moves the offset from {@code expectedOffset} to {@code newOffset} if, and only if, it is still
     * {@code expectedOffset} (compare-and-set): the last guard against two writers. Call it only after the bytes
     * up to {@code newOffset} are durable.
     *
     * @param declaredLength a length declared by the append being committed (creation-defer-length), saved in the
     *        same statement unless the upload already has one; null for none
     * @param expiresAt the new expiry (sliding expiration), or null for none
     * @param finishedAt non-null when {@code newOffset} completes the upload
     * @return false when the offset had moved, or the upload is gone or expired
     */
    public boolean compareAndSetOffset(String id, long expectedOffset, long newOffset, Long declaredLength,
            Instant expiresAt, Instant finishedAt) {
        return compareAndSetOffset(id, expectedOffset, newOffset, declaredLength, expiresAt, finishedAt, null);
    }

    /**
     * {@link #compareAndSetOffset(String, long, long, Long, Instant, Instant)} that also writes {@code event} (a
     * post-finish; null for none) in the same transaction, if and only if the offset moved.
     */
    public boolean compareAndSetOffset(String id, long expectedOffset, long newOffset, Long declaredLength,
            Instant expiresAt, Instant finishedAt, OutboxEvent event) {
        return jdbc(listOf(event), connection -> {
            try (PreparedStatement update = connection.prepareStatement(COMPARE_AND_SET_OFFSET)) {
                setCompareAndSet(update, id, expectedOffset, newOffset, declaredLength, expiresAt, finishedAt);
                return update.executeUpdate() == 1;
            }
        });
    }

    private static final String COMPARE_AND_SET_OFFSET = "UPDATE upload SET upload_offset = ?, "
            + "upload_length = COALESCE(upload_length, ?), expires_at = ?, finished_at = ?, updated_at = now() "
            + "WHERE id = ? AND upload_offset = ? AND expired_at IS NULL AND finished_at IS NULL";

    private static void setCompareAndSet(PreparedStatement update, String id, long expectedOffset, long newOffset,
            Long declaredLength, Instant expiresAt, Instant finishedAt) throws SQLException {
        update.setLong(1, newOffset);
        setLong(update, 2, declaredLength);
        setInstant(update, 3, expiresAt);
        setInstant(update, 4, finishedAt);
        update.setString(5, id);
        update.setLong(6, expectedOffset);
    }

    /** Transactions small appends in hand shared so far ({@link RowLockGroups}). */
    public long lockGroupsFormed() {
        return lockGroups.groups();
    }

    /** Small appends that took their lock in one of those groups. */
    public long lockGroupMembers() {
        return lockGroups.members();
    }

    /**
     * The upload's row, read under the upload's advisory lock taken as a transaction-level lock
     * ({@code pg_try_advisory_xact_lock(lockKey)}) on a pooled connection: for an append whose body is small. The lock
     * ends with the transaction, so it can neither outlive the commit of the new offset nor go back to the pool with
     * the connection, and a replica that dies takes it with its connection. The lock and the read are two statements
     * (the read must see what was committed before the lock was taken: in READ COMMITTED each statement reads a new
     * snapshot, and every pooled connection is READ COMMITTED: {@code quarkus.datasource.jdbc.transaction-isolation-level})
     * sent in one round trip.
     *
     * @param bodyInHand the whole body has arrived, so the connection is held only while it is written, fsynced and
     *        committed; such appends share their transaction with the others of the moment ({@link RowLockGroups}:
     *        one connection, two round trips and one commit per group). Otherwise the client may stall with the lock
     *        held (until the idle timeout), and only a quarter of the pool is held that way at once. Either way at
     *        most half the pool is held by such rows.
     * @return empty when the lock is held elsewhere, there is no such row, or the rows held reach those bounds (the
     *         caller takes the usual path then)
     */
    public Optional<LockedUploadRow> tryLockRow(String id, long lockKey, boolean bodyInHand) {
        if (bodyInHand) {
            return lockGroups.tryLock(id, lockKey);
        }
        // A body still arriving may hold its connection for as long as its client stalls: a quarter of the pool at most.
        if (!transactionLocks.tryAcquire()) {
            return Optional.empty();
        }
        if (!arrivingTransactionLocks.tryAcquire()) {
            transactionLocks.release();
            return Optional.empty();
        }
        Connection connection = null;
        boolean handedOver = false;
        try {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            boolean locked = false;
            UploadRecord record = null;
            try (PreparedStatement statement = connection.prepareStatement(lockAndRead)) {
                statement.setLong(1, lockKey);
                statement.setString(2, id);
                int resultSets = 0;
                for (boolean isResultSet = statement.execute();; isResultSet = statement.getMoreResults()) {
                    if (!isResultSet) {
                        if (statement.getUpdateCount() == -1) {
                            break;
                        }
                        continue;
                    }
                    try (ResultSet rows = statement.getResultSet()) {
                        boolean hasRow = rows.next();
                        if (resultSets++ == 0) {
                            locked = hasRow && rows.getBoolean(1);
                        } else if (hasRow) {
                            record = toRecord(rows);
                        }
                    }
                }
            }
            if (!locked || record == null) {
                return Optional.empty();
            }
            LockedUploadRow held = new SingleLockedRow(connection, record);
            handedOver = true;
            return Optional.of(held);
        } catch (SQLException e) {
            throw new DatabaseException(e);
        } finally {
            // Also when no connection came (the pool's acquisition timeout, the database down): the permits go back.
            if (!handedOver) {
                if (connection != null) {
                    endQuietly(connection);
                }
                releasePermits();
            }
        }
    }

    private void releasePermits() {
        arrivingTransactionLocks.release();
        transactionLocks.release();
    }

    /**
     * The offset compare-and-set ({@link #compareAndSetOffset}) in the transaction open on {@code connection}, with
     * {@code event} (or null) written if and only if the offset moved, then the commit.
     */
    static boolean compareAndSetAndCommit(Connection connection, String id, long expectedOffset, long newOffset,
            Long declaredLength, Instant expiresAt, Instant finishedAt, OutboxEvent event) throws SQLException {
        boolean changed;
        try (PreparedStatement update = connection.prepareStatement(COMPARE_AND_SET_OFFSET)) {
            setCompareAndSet(update, id, expectedOffset, newOffset, declaredLength, expiresAt, finishedAt);
            changed = update.executeUpdate() == 1;
        }
        if (changed && event != null) {
            insertEvents(connection, List.of(event));
        }
        connection.commit();
        return changed;
    }

    /** Rolls back what is open (which frees a transaction-level lock) and gives the connection back to the pool. */
    static void endQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // a broken connection: the pool drops it, PostgreSQL ended its transaction
        }
        try {
            connection.setAutoCommit(true);
        } catch (SQLException ignored) {
            // as above
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // as above
        }
    }

    /**
     * A row of {@link #tryLockRow} with a transaction of its own, for a body still arriving: it holds one of
     * {@link #transactionLocks} and one of {@link #arrivingTransactionLocks}.
     */
    private final class SingleLockedRow implements LockedUploadRow {
        private final Connection connection;
        private final UploadRecord record;
        private boolean open = true;
        private boolean closed;

        private SingleLockedRow(Connection connection, UploadRecord record) {
            this.connection = connection;
            this.record = record;
        }

        @Override
        public UploadRecord record() {
            return record;
        }

        @Override
        public synchronized boolean isOpen() {
            return open;
        }

        /** Never: its transaction ends only by its own commit or close (a broken connection shows in confirmOpen). */
        @Override
        public boolean isLost() {
            return false;
        }

        @Override
        public synchronized boolean confirmOpen() {
            try {
                return open && connection.isValid(5);
            } catch (SQLException e) {
                return false;
            }
        }

        /** One round trip when there is no event to write. */
        @Override
        public synchronized boolean compareAndSetOffsetAndCommit(long expectedOffset, long newOffset,
                Long declaredLength, Instant expiresAt, Instant finishedAt, OutboxEvent event) {
            if (!open) {
                throw new IllegalStateException("the lock of upload " + record.id() + " ended with its transaction");
            }
            open = false;
            try {
                if (event == null) {
                    try (PreparedStatement update = connection.prepareStatement(COMPARE_AND_SET_OFFSET + "; COMMIT")) {
                        setCompareAndSet(update, record.id(), expectedOffset, newOffset, declaredLength, expiresAt,
                                finishedAt);
                        update.execute();
                        return update.getUpdateCount() == 1;
                    }
                }
                return compareAndSetAndCommit(connection, record.id(), expectedOffset, newOffset, declaredLength,
                        expiresAt, finishedAt, event);
            } catch (SQLException e) {
                throw new DatabaseException(e);
            }
        }

        /** Ends the transaction (rolled back unless committed, which frees the lock) and gives the connection back. */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            open = false;
            endQuietly(connection);
            releasePermits();
        }
    }

    /**
     * Marks a final upload complete once its bytes are assembled, writing {@code event} (post-finish, or null) in the
     * same transaction; false if it already was (or is gone).
     */
    public boolean finishFinal(String id, long length, Instant expiresAt, Instant finishedAt, OutboxEvent event) {
        return jdbc(listOf(event), connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE upload SET upload_offset = ?, "
                    + "expires_at = ?, finished_at = ?, updated_at = ? WHERE id = ? AND finished_at IS NULL "
                    + "AND expired_at IS NULL AND upload_length = ?")) {
                update.setLong(1, length);
                setInstant(update, 2, expiresAt);
                update.setTimestamp(3, Timestamp.from(finishedAt));
                update.setTimestamp(4, Timestamp.from(finishedAt));
                update.setString(5, id);
                update.setLong(6, length);
                return update.executeUpdate() == 1;
            }
        });
    }

    /** Ids of uploads whose expiry time has passed and whose bytes are still stored, oldest first. */
    public List<String> findDueToExpire(Instant now, int limit) {
        return QuarkusTransaction.requiringNew()
                .call(() -> find("expiresAt <= ?1 and expiredAt is null order by expiresAt", now).page(0, limit)
                        .project(IdOnly.class).list().stream().map(IdOnly::id).toList());
    }

    // ---- changes that leave bytes to delete: the row change and the pending delete are one statement ----

    /**
     * Deletes the row and records its bytes as {@linkplain #findPendingDeletes pending deletion}, atomically; false
     * when the row was not there.
     */
    public boolean deleteAndScheduleBytes(String id, Instant now) {
        return deleteAndScheduleBytes(id, now, null);
    }

    /** {@link #deleteAndScheduleBytes(String, Instant)} writing {@code event} (post-terminate, or null) with it. */
    public boolean deleteAndScheduleBytes(String id, Instant now, OutboxEvent event) {
        return changeAndScheduleBytes(event, "DELETE FROM upload WHERE id = ?", now, id);
    }

    /**
     * Turns an upload whose expiry has passed into a tombstone (410) and records its bytes as pending deletion;
     * false if it is not due or already done.
     */
    public boolean expireAndScheduleBytes(String id, Instant now, OutboxEvent event) {
        return changeAndScheduleBytes(event, "UPDATE upload SET expired_at = ?, updated_at = ? WHERE id = ? "
                + "AND expired_at IS NULL AND expires_at <= ?", now, now, now, id, now);
    }

    /**
     * Expires an upload now, whatever its expiry time (a final that can never complete), and records its bytes as
     * pending deletion; false if already done.
     */
    public boolean expireNowAndScheduleBytes(String id, Instant now) {
        return changeAndScheduleBytes(null, "UPDATE upload SET expires_at = ?, expired_at = ?, updated_at = ? WHERE id = ? "
                + "AND expired_at IS NULL", now, now, now, now, id);
    }

    /**
     * Marks an upload whose stored bytes were lost: a tombstone answering 410 ERR_UPLOAD_LOST, its remaining bytes
     * pending deletion; false if it already was a tombstone.
     */
    public boolean markLostAndScheduleBytes(String id, Instant now) {
        return changeAndScheduleBytes(null, "UPDATE upload SET lost_at = ?, expired_at = ?, updated_at = ? WHERE id = ? "
                + "AND expired_at IS NULL", now, now, now, now, id);
    }

    /** Uploads whose bytes still wait to be deleted from storage, oldest first. */
    /** Which of {@code ids} have a row (live, expired, lost or a tombstone). */
    public Set<String> existingIds(List<String> ids) {
        return jdbc(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT id FROM upload WHERE id = ANY(?)")) {
                select.setArray(1, connection.createArrayOf("text", ids.toArray()));
                Set<String> existing = new HashSet<>();
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        existing.add(row.getString(1));
                    }
                }
                return existing;
            }
        });
    }

    public List<String> findPendingDeletes(int limit) {
        return jdbc(connection -> {
            try (PreparedStatement select = connection
                    .prepareStatement("SELECT upload_id FROM pending_delete ORDER BY since LIMIT ?")) {
                select.setInt(1, limit);
                List<String> ids = new ArrayList<>();
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        ids.add(row.getString(1));
                    }
                }
                return ids;
            }
        });
    }

    /** The storage deleted the bytes of {@code id}: nothing is pending for it any more. */
    public void bytesDeleted(String id) {
        jdbc(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM pending_delete WHERE upload_id = ?")) {
                delete.setString(1, id);
                return delete.executeUpdate();
            }
        });
    }

    /** Another attempt to delete the bytes of {@code id} failed. */
    public void bytesDeleteFailed(String id, String error) {
        jdbc(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE pending_delete SET attempts = attempts + 1, last_error = ? WHERE upload_id = ?")) {
                update.setString(1, error);
                update.setString(2, id);
                return update.executeUpdate();
            }
        });
    }

    /**
     * Runs {@code change} (a DELETE or UPDATE of upload rows by id) and, in the same statement, records the bytes of
     * every row it touched as pending deletion: either both happen or neither.
     *
     * @param values the parameters of {@code change} (String or Instant)
     */
    private boolean changeAndScheduleBytes(OutboxEvent event, String change, Instant now, Object... values) {
        return jdbc(listOf(event), connection -> {
            try (PreparedStatement statement = connection.prepareStatement("WITH changed AS (" + change
                    + " RETURNING id), scheduled AS (INSERT INTO pending_delete (upload_id, since) "
                    + "SELECT id, ? FROM changed ON CONFLICT (upload_id) DO NOTHING) SELECT count(*) FROM changed")) {
                int index = 1;
                for (Object value : values) {
                    if (value instanceof Instant instant) {
                        statement.setTimestamp(index++, Timestamp.from(instant));
                    } else {
                        statement.setString(index++, (String) value);
                    }
                }
                statement.setTimestamp(index, Timestamp.from(now));
                try (ResultSet row = statement.executeQuery()) {
                    row.next();
                    return row.getLong(1) > 0;
                }
            }
        });
    }

    /** Deletes tombstones of uploads that expired before {@code before}; returns how many. */
    public long purgeTombstones(Instant before) {
        return QuarkusTransaction.requiringNew().call(() -> delete("expiredAt < ?1", before));
    }

    /** Ids of unfinished final uploads that name {@code partialId}. */
    @SuppressWarnings("unchecked")
    public List<String> findFinalsWaitingOn(String partialId) {
        return QuarkusTransaction.requiringNew().call(() -> getEntityManager().createNativeQuery(
                "SELECT id FROM upload WHERE concat_type = 'final' AND finished_at IS NULL AND expired_at IS NULL "
                        + "AND concat_parts @> ARRAY[CAST(?1 AS TEXT)]")
                .setParameter(1, partialId).getResultList());
    }

    /** Ids of unfinished final uploads, oldest first (the reaper re-checks them in case an assembly was lost). */
    public List<String> findUnfinishedFinals(int limit) {
        return QuarkusTransaction.requiringNew().call(() -> find(
                "concatType = 'final' and finishedAt is null and expiredAt is null order by createdAt").page(0, limit)
                .project(IdOnly.class).list().stream().map(IdOnly::id).toList());
    }

    /** Projection for id-only queries. */
    public record IdOnly(String id) {
    }

    private interface JdbcWork<T> {
        T run(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code change} and, if it changed something (returned true), writes {@code events} to the outbox, in one
     * transaction: an event exists if and only if its change was committed. Without events, one autocommit statement.
     */
    private boolean jdbc(List<OutboxEvent> events, JdbcWork<Boolean> change) {
        if (events.isEmpty()) {
            return jdbc(change);
        }
        return jdbc(connection -> {
            connection.setAutoCommit(false);
            try {
                boolean changed = change.run(connection);
                if (changed) {
                    insertEvents(connection, events);
                }
                connection.commit();
                return changed;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        });
    }

    static void insertEvents(Connection connection, List<OutboxEvent> events) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO hook_outbox "
                + "(event_id, upload_id, hook_type, payload) VALUES (?, ?, ?, ?)")) {
            for (OutboxEvent event : events) {
                insert.setObject(1, event.eventId());
                insert.setString(2, event.uploadId());
                insert.setString(3, event.type());
                insert.setString(4, event.payload());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private static List<OutboxEvent> listOf(OutboxEvent event) {
        return event == null ? List.of() : List.of(event);
    }

    private <T> T jdbc(JdbcWork<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }

    static UploadRecord toRecord(ResultSet row) throws SQLException {
        String metadataRaw = row.getString("metadata_raw");
        Array parts = row.getArray("concat_parts");
        long lengthValue = row.getLong("upload_length");
        // wasNull() speaks of the column read last: ask right away.
        Long length = row.wasNull() ? null : lengthValue;
        return new UploadRecord(row.getString("id"), length, row.getLong("upload_offset"),
                metadataRaw, ConcatType.ofColumn(row.getString("concat_type")),
                row.getString("concat_raw"), parts == null ? List.of() : Arrays.asList((String[]) parts.getArray()),
                instant(row, "created_at"), instant(row, "expires_at"), instant(row, "finished_at"),
                instant(row, "expired_at"), instant(row, "lost_at"), row.getString("owner"));
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        Timestamp timestamp = row.getTimestamp(column);
        return timestamp == null ? null : timestamp.toInstant();
    }

    private static void setInstant(PreparedStatement statement, int index, Instant instant) throws SQLException {
        if (instant == null) {
            statement.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            statement.setTimestamp(index, Timestamp.from(instant));
        }
    }

    private static void setLong(PreparedStatement statement, int index, Long value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, value);
        }
    }

    /** A JSON object of strings (the decoded metadata for the jsonb column). */
    static String toJson(Map<String, String> values) {
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, String> entry : values.entrySet()) {
            if (json.length() > 1) {
                json.append(',');
            }
            appendJsonString(json, entry.getKey()).append(':');
            appendJsonString(json, entry.getValue());
        }
        return json.append('}').toString();
    }

    private static StringBuilder appendJsonString(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                default -> {
                    // NUL cannot be stored in PostgreSQL text or jsonb at all; other control characters are escaped.
                    if (c == 0) {
                        json.append("\\ufffd");
                    } else if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"');
    }
}
