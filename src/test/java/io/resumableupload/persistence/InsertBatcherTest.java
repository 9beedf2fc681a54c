package io.resumableupload.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * The group commit's coordination, with statements that stand in for PostgreSQL (its SQL is tested against the real
 * database in UploadRepositoryTest): every caller returns only once its own row is committed, rows that arrive while a
 * batch runs go together in the next, a batch refused for one row's data fails that row's caller only, and an outage
 * fails every caller of the batch and every caller queued meanwhile, without a statement per row or per batch.
 */
class InsertBatcherTest {

    private static final int CALLERS = 64;

    /** Records what was committed; the first statement takes a while, so that the other callers queue up meanwhile. */
    private static class Recording implements InsertBatcher.Statements {
        final Set<String> committed = ConcurrentHashMap.newKeySet();
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        final AtomicInteger statements = new AtomicInteger();

        @Override
        public void insertOne(UploadRecord upload) {
            statement(List.of(upload));
        }

        @Override
        public void insertAll(List<UploadRecord> uploads) {
            statement(uploads);
        }

        void statement(List<UploadRecord> uploads) {
            if (statements.getAndIncrement() == 0) {
                sleep(200);
            }
            sleep(5);
            check(uploads);
            batchSizes.add(uploads.size());
            uploads.forEach(upload -> committed.add(upload.id()));
        }

        void check(List<UploadRecord> uploads) {
        }
    }

    @Test
    void every_caller_returns_once_its_row_is_committed_and_rows_that_wait_go_together() throws Exception {
        Recording statements = new Recording();
        InsertBatcher batcher = new InsertBatcher(statements);
        List<String> notCommittedOnReturn = new CopyOnWriteArrayList<>();
        List<Throwable> failures = runCallers(batcher, id -> {
            if (!statements.committed.contains(id)) {
                notCommittedOnReturn.add(id);
            }
        });
        assertEquals(List.of(), failures);
        assertEquals(List.of(), notCommittedOnReturn);
        assertEquals(CALLERS, statements.committed.size());
        assertEquals(CALLERS, statements.batchSizes.stream().mapToInt(Integer::intValue).sum());
        assertTrue(statements.batchSizes.stream().anyMatch(size -> size > 1), "no batch: " + statements.batchSizes);
        assertTrue(statements.batchSizes.stream().allMatch(size -> size <= InsertBatcher.MAX_BATCH),
                "a batch over the bound: " + statements.batchSizes);
    }

    @Test
    void a_row_refused_for_its_data_fails_only_its_own_caller() throws Exception {
        Recording statements = new Recording() {
            @Override
            void check(List<UploadRecord> uploads) {
                if (uploads.stream().anyMatch(upload -> upload.id().equals("row-7"))) {
                    throw new DatabaseException(new SQLException("duplicate key value", "23505"));
                }
            }
        };
        List<Throwable> failures = runCallers(new InsertBatcher(statements), id -> {
        });
        assertEquals(1, failures.size(), failures.toString());
        assertInstanceOf(DatabaseException.class, failures.get(0));
        assertEquals(CALLERS - 1, statements.committed.size());
    }

    @Test
    void an_outage_fails_the_batch_and_every_caller_queued_meanwhile_with_one_statement() throws Exception {
        Recording statements = new Recording() {
            @Override
            void check(List<UploadRecord> uploads) {
                throw new DatabaseException(new SQLException("connection refused", "08001"));
            }
        };
        List<Throwable> failures = runCallers(new InsertBatcher(statements), id -> {
        });
        assertEquals(CALLERS, failures.size());
        failures.forEach(failure -> assertInstanceOf(DatabaseException.class, failure));
        // The first statement fails while the others queue (it takes 200 ms): they fail with it, without a statement
        // of their own (one straggler that came after the failure may start one more); a batch each would be 3.
        assertTrue(statements.statements.get() <= 2, statements.statements.get() + " statements for " + CALLERS
                + " rows in an outage");
        assertEquals(Set.of(), statements.committed);
    }

    @Test
    void a_lone_insert_goes_at_once_and_the_next_one_too() {
        Recording statements = new Recording();
        InsertBatcher batcher = new InsertBatcher(statements);
        batcher.insert(row("alone-1"));
        batcher.insert(row("alone-2"));
        assertEquals(List.of(1, 1), statements.batchSizes);
    }

    private static List<Throwable> runCallers(InsertBatcher batcher, java.util.function.Consumer<String> onReturn)
            throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try {
            for (int i = 0; i < CALLERS; i++) {
                String id = "row-" + i;
                done.add(callers.submit(() -> {
                    start.await();
                    try {
                        batcher.insert(row(id));
                        onReturn.accept(id);
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                assertNull(f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            callers.shutdownNow();
        }
        return failures;
    }

    private static UploadRecord row(String id) {
        return new UploadRecord(id, 100L, 0, null, null, null, List.of(), Instant.now(), null, null, null, null);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
