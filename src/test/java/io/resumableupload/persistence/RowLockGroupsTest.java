package io.resumableupload.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.lock.postgres.PostgresUploadLocks;
import io.resumableupload.support.AdvisoryLocks;

/**
 * Group commit of small appends ({@link RowLockGroups}) against PostgreSQL, looked at from another session: appends
 * that ask while a group forms share the next one, every member's lock holds until the group's commit, a member
 * that leaves or fails its compare-and-set changes nothing, one left behind does not hold up the others for longer
 * than the bound, and a commit that fails moves no offset. A lock held elsewhere keeps its append out.
 */
@QuarkusTest
class RowLockGroupsTest {

    @Inject
    AgroalDataSource dataSource;

    @Inject
    UploadRepository repository;

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<String> eventUploads = new ArrayList<>();

    @AfterEach
    void cleanUp() throws SQLException {
        threads.shutdownNow();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement("DELETE FROM hook_outbox WHERE upload_id = ANY (?)")) {
            delete.setArray(1, connection.createArrayOf("text", eventUploads.toArray()));
            delete.execute();
        }
    }

    @Test
    void appends_that_ask_while_a_group_forms_share_the_next_and_hold_their_locks_until_its_commit() throws Exception {
        RowLockGroups groups = new RowLockGroups(dataSource, new Semaphore(4), "", Duration.ofSeconds(30));
        List<UploadRecord> rows = insertRows(6);
        List<Future<Optional<LockedUploadRow>>> asked = new ArrayList<>();
        try (Connection blocker = dataSource.getConnection()) {
            // The first group's read waits for the table: everyone who asks meanwhile queues for the next group.
            blocker.setAutoCommit(false);
            try (Statement lock = blocker.createStatement()) {
                lock.execute("LOCK TABLE upload IN ACCESS EXCLUSIVE MODE");
            }
            asked.add(threads.submit(() -> groups.tryLock(rows.get(0).id(), key(rows.get(0)))));
            Thread.sleep(300);
            for (int i = 1; i < rows.size(); i++) {
                UploadRecord row = rows.get(i);
                asked.add(threads.submit(() -> groups.tryLock(row.id(), key(row))));
            }
            Thread.sleep(300);
            blocker.commit();
        }
        List<LockedUploadRow> held = new ArrayList<>();
        for (Future<Optional<LockedUploadRow>> future : asked) {
            held.add(future.get(10, TimeUnit.SECONDS).orElseThrow());
        }
        assertEquals(2, groups.groups(), "groups formed");
        assertEquals(6, groups.members(), "members");
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(rows.get(i), held.get(i).record());
            assertFalse(lockFree(rows.get(i)), "another session took the lock of a member");
        }

        // Four members of the second group commit (one with an event): none returns, nothing moves, until the fifth leaves.
        OutboxEvent event = new OutboxEvent(rows.get(1).id(), "post-finish", "{}");
        eventUploads.add(rows.get(1).id());
        List<Future<Boolean>> commits = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            LockedUploadRow row = held.get(i);
            OutboxEvent rowEvent = i == 1 ? event : null;
            commits.add(threads.submit(() -> row.compareAndSetOffsetAndCommit(0, 10, null,
                    Instant.now().plusSeconds(600), null, rowEvent)));
        }
        Thread.sleep(500);
        for (int i = 1; i <= 4; i++) {
            assertFalse(commits.get(i - 1).isDone(), "a member's commit returned before the group's");
            assertEquals(0, offsetOf(rows.get(i)), "an offset moved before the group's commit");
            assertFalse(lockFree(rows.get(i)), "a lock ended before the group's commit");
        }
        held.get(5).close();
        for (Future<Boolean> commit : commits) {
            assertTrue(commit.get(10, TimeUnit.SECONDS), "a member's compare-and-set did not move its offset");
        }
        for (int i = 1; i <= 4; i++) {
            assertEquals(10, offsetOf(rows.get(i)));
            assertTrue(lockFree(rows.get(i)), "a lock outlived the group's commit");
            assertFalse(held.get(i).isOpen());
        }
        assertEquals(0, offsetOf(rows.get(5)), "the member that left moved its offset");
        assertTrue(lockFree(rows.get(5)));
        assertEquals(1, outboxRows(rows.get(1)), "the event of a member whose offset moved");

        // The first group's only member: a compare-and-set that does not match moves nothing and writes no event.
        assertFalse(lockFree(rows.get(0)));
        eventUploads.add(rows.get(0).id());
        assertFalse(held.get(0).compareAndSetOffsetAndCommit(5, 10, null, null, null,
                new OutboxEvent(rows.get(0).id(), "post-finish", "{}")));
        assertEquals(0, offsetOf(rows.get(0)));
        assertEquals(0, outboxRows(rows.get(0)));
        assertTrue(lockFree(rows.get(0)));
        assertThrows(IllegalStateException.class,
                () -> held.get(0).compareAndSetOffsetAndCommit(0, 10, null, null, null, null));
    }

    @Test
    void an_append_whose_lock_is_held_elsewhere_or_whose_row_is_missing_is_not_in_a_group() throws Exception {
        RowLockGroups groups = new RowLockGroups(dataSource, new Semaphore(4), "", Duration.ofSeconds(30));
        UploadRecord row = insertRows(1).get(0);
        try (Connection other = dataSource.getConnection()) {
            assertTrue(AdvisoryLocks.trySessionLock(other, key(row)));
            assertTrue(groups.tryLock(row.id(), key(row)).isEmpty());
            AdvisoryLocks.unlock(other, key(row));
        }
        assertTrue(groups.tryLock("noSuchUpload" + UUID.randomUUID(), 42).isEmpty());
        assertEquals(0, groups.groups());
        try (LockedUploadRow held = groups.tryLock(row.id(), key(row)).orElseThrow()) {
            assertFalse(lockFree(row));
        }
        assertTrue(lockFree(row), "a member that left kept its lock");

        RowLockGroups noPermits = new RowLockGroups(dataSource, new Semaphore(0), "", Duration.ofSeconds(30));
        assertTrue(noPermits.tryLock(row.id(), key(row)).isEmpty(), "a group without a connection permit");
    }

    @Test
    void members_left_behind_keep_their_locks_while_the_others_commit_without_them() throws Exception {
        Semaphore permits = new Semaphore(4);
        RowLockGroups groups = new RowLockGroups(dataSource, permits, "", Duration.ofMillis(700));
        List<UploadRecord> rows = insertRows(4);
        List<LockedUploadRow> held = lockInOneGroup(groups, rows);
        long start = System.nanoTime();
        assertTrue(held.get(1).compareAndSetOffsetAndCommit(0, 7, null, null, null, null));
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(waitedMillis >= 600 && waitedMillis < 10_000, "waited " + waitedMillis + " ms");
        assertEquals(7, offsetOf(rows.get(1)));
        assertTrue(lockFree(rows.get(1)));
        for (int i = 2; i <= 3; i++) {
            assertTrue(held.get(i).isOpen(), "a straggler's lock ended with the others' commit");
            assertFalse(held.get(i).isLost());
            assertFalse(lockFree(rows.get(i)), "another session took a straggler's lock");
            assertEquals(0, offsetOf(rows.get(i)));
        }
        assertEquals(3, permits.availablePermits(), "the group gave its connection back while stragglers held locks");

        // One straggler commits on its own (with its event), the other leaves: then the connection goes back.
        eventUploads.add(rows.get(2).id());
        assertTrue(held.get(2).compareAndSetOffsetAndCommit(0, 9, null, null, null,
                new OutboxEvent(rows.get(2).id(), "post-finish", "{}")));
        assertEquals(9, offsetOf(rows.get(2)));
        assertEquals(1, outboxRows(rows.get(2)));
        assertTrue(lockFree(rows.get(2)));
        assertFalse(held.get(2).isOpen());
        assertFalse(lockFree(rows.get(3)));
        held.get(3).close();
        assertTrue(lockFree(rows.get(3)));
        assertEquals(0, offsetOf(rows.get(3)));
        assertEquals(4, permits.availablePermits());
        held.forEach(LockedUploadRow::close);
    }

    @Test
    void a_group_whose_connection_dies_commits_nothing_and_every_member_that_asked_learns_it() throws Exception {
        RowLockGroups groups = new RowLockGroups(dataSource, new Semaphore(4), "", Duration.ofSeconds(30));
        List<UploadRecord> rows = insertRows(3);
        List<LockedUploadRow> held = lockInOneGroup(groups, rows);
        Future<Boolean> first = threads.submit(() -> held.get(1).compareAndSetOffsetAndCommit(0, 9, null, null, null,
                null));
        Thread.sleep(200);
        terminateBackendHolding(rows.get(1));
        assertThrows(DatabaseException.class,
                () -> held.get(2).compareAndSetOffsetAndCommit(0, 9, null, null, null, null));
        ExecutionException failed = assertThrows(ExecutionException.class, () -> first.get(10, TimeUnit.SECONDS));
        assertTrue(failed.getCause() instanceof DatabaseException, failed.toString());
        for (UploadRecord row : rows) {
            assertEquals(0, offsetOf(row));
            assertTrue(lockFree(row));
        }
        held.forEach(LockedUploadRow::close);
    }

    @Test
    void a_member_whose_group_failed_without_it_learns_that_its_lock_is_lost() throws Exception {
        Semaphore permits = new Semaphore(4);
        RowLockGroups groups = new RowLockGroups(dataSource, permits, "", Duration.ofMillis(500));
        List<UploadRecord> rows = insertRows(3);
        List<LockedUploadRow> held = lockInOneGroup(groups, rows);
        terminateBackendHolding(rows.get(1));
        assertThrows(DatabaseException.class,
                () -> held.get(1).compareAndSetOffsetAndCommit(0, 9, null, null, null, null));
        assertTrue(held.get(2).isLost(), "a member still writing was not told its lock is gone");
        assertFalse(held.get(2).isOpen());
        assertThrows(IllegalStateException.class,
                () -> held.get(2).compareAndSetOffsetAndCommit(0, 9, null, null, null, null));
        held.get(2).close();
        assertEquals(0, offsetOf(rows.get(1)));
        assertEquals(0, offsetOf(rows.get(2)));
        assertTrue(lockFree(rows.get(2)));
        assertEquals(4, permits.availablePermits());
    }

    /** rows.get(0) alone in a first group (its read held up by a table lock), the others together in the next. */
    private List<LockedUploadRow> lockInOneGroup(RowLockGroups groups, List<UploadRecord> rows) throws Exception {
        List<Future<Optional<LockedUploadRow>>> asked = new ArrayList<>();
        try (Connection blocker = dataSource.getConnection()) {
            blocker.setAutoCommit(false);
            try (Statement lock = blocker.createStatement()) {
                lock.execute("LOCK TABLE upload IN ACCESS EXCLUSIVE MODE");
            }
            for (UploadRecord row : rows) {
                asked.add(threads.submit(() -> groups.tryLock(row.id(), key(row))));
                Thread.sleep(200);
            }
            blocker.commit();
        }
        List<LockedUploadRow> held = new ArrayList<>();
        for (Future<Optional<LockedUploadRow>> future : asked) {
            held.add(future.get(10, TimeUnit.SECONDS).orElseThrow());
        }
        assertEquals(2, groups.groups());
        // The first group's member leaves: its group ends at once.
        held.get(0).close();
        return held;
    }

    /** Ends the backend of the group's transaction: the one holding the row's lock. */
    private void terminateBackendHolding(UploadRecord row) throws SQLException {
        try (Connection killer = dataSource.getConnection();
                PreparedStatement kill = killer.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_locks "
                        + "WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                        + "AND ((classid::bigint << 32) | objid::bigint) = ?")) {
            kill.setLong(1, key(row));
            try (ResultSet killed = kill.executeQuery()) {
                assertTrue(killed.next() && killed.getBoolean(1), "no backend held the lock");
            }
        }
    }

    private List<UploadRecord> insertRows(int count) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String tag = UUID.randomUUID().toString().substring(0, 8);
        List<UploadRecord> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            UploadRecord row = new UploadRecord("group" + i + "x" + tag, 100L, 0, null, null, null, List.of(), now,
                    now.plusSeconds(3600), null, null, null, null);
            repository.insert(row);
            rows.add(row);
        }
        return rows;
    }

    private static long key(UploadRecord row) {
        return PostgresUploadLocks.key(row.id());
    }

    private long offsetOf(UploadRecord row) {
        return repository.findRecord(row.id()).orElseThrow().offset();
    }

    private int outboxRows(UploadRecord row) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM hook_outbox WHERE upload_id = ?")) {
            count.setString(1, row.id());
            try (ResultSet result = count.executeQuery()) {
                result.next();
                return result.getInt(1);
            }
        }
    }

    /** Whether another session can take the upload's lock now (it lets go of it at once). */
    private boolean lockFree(UploadRecord row) throws SQLException {
        try (Connection other = dataSource.getConnection()) {
            if (!AdvisoryLocks.trySessionLock(other, key(row))) {
                return false;
            }
            AdvisoryLocks.unlock(other, key(row));
            return true;
        }
    }
}
