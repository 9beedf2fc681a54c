package io.resumableupload.lock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.lock.postgres.PostgresUploadLocks;
import io.resumableupload.support.AdvisoryLocks;
import io.resumableupload.support.Poll;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/**
 * A PATCH with a small body under the PostgreSQL locks holds the upload's lock as a transaction-level advisory lock
 * on a pooled connection, taken with the read of the row and ended by the commit of the offset. These tests look at
 * the lock from PostgreSQL's side (pg_locks, another session trying the same key, the holder's connection killed).
 */
@QuarkusTest
@TestProfile(SmallAppendLockTest.Profile.class)
class SmallAppendLockTest {

    private static final int SIZE = 1000;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tus.lock.backend", "postgres", "tus.lock.postgres.heartbeat", "200ms",
                    "quarkus.datasource.jdbc.max-size", "12", "tus.patch.idle-timeout", "30s");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    MeterRegistry registry;

    @Test
    void a_small_patch_holds_the_lock_in_a_transaction_that_its_commit_ends() throws Exception {
        byte[] data = Tus.randomBytes(SIZE, 1);
        String path = Tus.create(SIZE);
        long key = PostgresUploadLocks.key(Tus.idOf(path));
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0, "Content-Length: " + SIZE + "\r\n").send(Arrays.copyOf(data, 500));
            Poll.until("the lock held by an open transaction", Duration.ofSeconds(10),
                    () -> holders(key).contains("idle in transaction"));
            try (Connection other = dataSource.getConnection()) {
                assertFalse(AdvisoryLocks.trySessionLock(other, key),
                        "another replica took the lock of an upload being written");
            }
            http.send(Arrays.copyOfRange(data, 500, SIZE));
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(10));
            assertNotNull(response);
            assertEquals(204, response.status());
            assertEquals(String.valueOf(SIZE), response.header("Upload-Offset"));
        }
        assertEquals(List.of(), holders(key), "the commit ended the lock");
        assertArrayEquals(data, Tus.download(path));
    }

    @Test
    void a_small_patch_waits_for_another_replicas_lock() throws Exception {
        byte[] data = Tus.randomBytes(SIZE, 2);
        String path = Tus.create(SIZE);
        long key = PostgresUploadLocks.key(Tus.idOf(path));
        try (Connection other = dataSource.getConnection()) {
            assertTrue(AdvisoryLocks.trySessionLock(other, key));
            try {
                CompletableFuture<Integer> patch = CompletableFuture
                        .supplyAsync(() -> Tus.patch(path, 0, data).statusCode());
                Thread.sleep(1000);
                assertFalse(patch.isDone(), "the PATCH did not wait for the lock another replica holds");
                assertEquals(0, storedOffset(Tus.idOf(path)));
                AdvisoryLocks.unlock(other, key);
                assertEquals(204, patch.get(10, TimeUnit.SECONDS));
            } finally {
                AdvisoryLocks.unlock(other, key);
            }
        }
        assertEquals(SIZE, Tus.offset(path));
        assertArrayEquals(data, Tus.download(path));
    }

    @Test
    void a_newer_patch_takes_over_from_a_stalled_small_one() throws Exception {
        byte[] data = Tus.randomBytes(SIZE, 3);
        String path = Tus.create(SIZE);
        long key = PostgresUploadLocks.key(Tus.idOf(path));
        try (RawHttp stalled = RawHttp.connect(root.getPort())) {
            stalled.patchHead(path, 0, "Content-Length: " + SIZE + "\r\n").send(Arrays.copyOf(data, 300));
            Poll.until("the lock held by an open transaction", Duration.ofSeconds(10),
                    () -> holders(key).contains("idle in transaction"));
            Poll.untilStored(Path.of("target/test-uploads", Tus.idOf(path)), 300);
            // A newer PATCH asks the stalled one (whose idle timeout is 30 s) to let go: it stores the 300 bytes it
            // had, and the newer one, still at offset 0, learns the offset moved.
            long started = System.nanoTime();
            assertEquals(409, Tus.patch(path, 0, data).statusCode());
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10), "the newer PATCH waited too long");
            assertEquals(300, Tus.offset(path));
            assertEquals(204, Tus.patch(path, 300, Arrays.copyOfRange(data, 300, SIZE)).statusCode());
        }
        assertArrayEquals(data, Tus.download(path));
    }

    @Test
    void a_small_patch_whose_connection_dies_commits_nothing_and_the_upload_resumes() throws Exception {
        byte[] data = Tus.randomBytes(SIZE, 4);
        String path = Tus.create(SIZE);
        long key = PostgresUploadLocks.key(Tus.idOf(path));
        Path file = Path.of("target/test-uploads", Tus.idOf(path));
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0, "Content-Length: " + SIZE + "\r\n").send(Arrays.copyOf(data, 500));
            Poll.untilStored(file, 500);
            try (Connection admin = dataSource.getConnection();
                    PreparedStatement kill = admin.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_locks "
                            + "WHERE locktype = 'advisory' AND granted AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 1")) {
                kill.setLong(1, key >>> 32);
                kill.setLong(2, key & 0xffffffffL);
                try (ResultSet killed = kill.executeQuery()) {
                    assertTrue(killed.next(), "no backend held the upload's lock");
                }
            }
            Thread.sleep(500); // more than the heartbeat: the next write asks the database first
            http.send(Arrays.copyOfRange(data, 500, SIZE));
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(10));
            assertNotNull(response);
            assertEquals(503, response.status(), "the lock died with the connection");
            assertTrue(http.readBody(response).startsWith("ERR_LOCK_UNAVAILABLE"));
        }
        assertEquals(0, Tus.offset(path), "nothing may count without the lock");
        assertEquals(204, Tus.patch(path, 0, data).statusCode());
        assertArrayEquals(data, Tus.download(path));
    }

    @Test
    void at_most_a_quarter_of_the_pool_holds_small_patch_locks() throws Exception {
        // The profile's pool has 12 connections: 3 may hold transaction-level locks; the other PATCHes take sessions.
        List<RawHttp> stalled = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        try {
            stallSmallPatches(6, stalled, paths);
            Poll.until("every PATCH holding its upload's lock", Duration.ofSeconds(10), () -> {
                int held = 0;
                for (String path : paths) {
                    held += holders(PostgresUploadLocks.key(Tus.idOf(path))).isEmpty() ? 0 : 1;
                }
                return held == paths.size();
            });
            assertEquals(3, inTransaction(paths), "transaction-level locks beyond a quarter of the pool");
            finishStalled(stalled, paths);
        } finally {
            closeAll(stalled);
        }
    }

    /**
     * The quarter of the pool bounds only connections a client could hold by stalling. A body that has all arrived holds
     * its connection just for its write, fsync and commit, so it takes the transaction lock even while stalled clients
     * hold that quarter. Whether the body is all in when the worker looks is a race it usually wins on loopback: one
     * win in eight proves the path.
     */
    @Test
    void a_small_body_that_has_all_arrived_takes_the_transaction_lock_past_the_quarter() throws Exception {
        List<RawHttp> stalled = new ArrayList<>();
        List<String> stalledPaths = new ArrayList<>();
        // Read before the stalled PATCHes: each counts once it holds its lock, which PostgreSQL shows a moment earlier.
        double before = transactionLocks();
        try {
            stallSmallPatches(3, stalled, stalledPaths);
            Poll.until("the quarter of the pool held by stalled PATCHes", Duration.ofSeconds(10),
                    () -> inTransaction(stalledPaths) == 3);
            for (int i = 0; i < 8; i++) {
                byte[] data = Tus.randomBytes(SIZE, 40 + i);
                String path = Tus.create(SIZE);
                try (RawHttp http = RawHttp.connect(root.getPort())) {
                    http.patchHead(path, 0, "Content-Length: " + SIZE + "\r\n").send(data);
                    RawHttp.Response response = http.readResponse(Duration.ofSeconds(10));
                    assertNotNull(response);
                    assertEquals(204, response.status());
                }
                assertArrayEquals(data, Tus.download(path));
            }
            assertEquals(3, inTransaction(stalledPaths), "the stalled PATCHes no longer held the quarter");
            assertTrue(transactionLocks() - before >= 3 + 1, "no complete small body took the transaction lock in 8");
            finishStalled(stalled, stalledPaths);
        } finally {
            closeAll(stalled);
        }
    }

    @Test
    void small_patches_in_hand_at_once_share_transactions_and_every_byte_lands_in_its_own_upload() throws Exception {
        int uploads = 24;
        int chunks = 4;
        List<String> paths = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        for (int u = 0; u < uploads; u++) {
            contents.add(Tus.randomBytes(SIZE * chunks, 100 + u));
            paths.add(Tus.create(SIZE * chunks));
        }
        // Read once a request has made the service (and its meters).
        double groupsBefore = lockGroups();
        double membersBefore = lockGroupMembers();
        ExecutorService clients = Executors.newFixedThreadPool(uploads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int u = 0; u < uploads; u++) {
                String path = paths.get(u);
                byte[] data = contents.get(u);
                done.add(clients.submit(() -> {
                    for (int c = 0; c < chunks; c++) {
                        try (RawHttp http = RawHttp.connect(root.getPort())) {
                            http.patchHead(path, (long) c * SIZE, "Content-Length: " + SIZE + "\r\n")
                                    .send(Arrays.copyOfRange(data, c * SIZE, (c + 1) * SIZE));
                            RawHttp.Response response = http.readResponse(Duration.ofSeconds(20));
                            assertNotNull(response, "no answer to a PATCH of " + path);
                            assertEquals(204, response.status(), response.head());
                            assertEquals(String.valueOf((c + 1) * SIZE), response.header("Upload-Offset"));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }
        for (int u = 0; u < uploads; u++) {
            assertArrayEquals(contents.get(u), Tus.download(paths.get(u)), "upload " + u);
            assertEquals(SIZE * chunks, storedOffset(Tus.idOf(paths.get(u))));
        }
        double groups = lockGroups() - groupsBefore;
        double members = lockGroupMembers() - membersBefore;
        assertTrue(members >= uploads * chunks / 4.0, "only " + members + " of the PATCHes were in a group");
        assertTrue(groups >= 1 && groups < members, groups + " groups for " + members + " PATCHes: none was shared");
    }

    /** Starts {@code count} small PATCHes that send 100 of their {@link #SIZE} bytes and stall, each on a new upload. */
    private void stallSmallPatches(int count, List<RawHttp> stalled, List<String> paths) throws Exception {
        for (int i = 0; i < count; i++) {
            String path = Tus.create(SIZE);
            paths.add(path);
            RawHttp http = RawHttp.connect(root.getPort());
            stalled.add(http);
            http.patchHead(path, 0, "Content-Length: " + SIZE + "\r\n").send(new byte[100]);
        }
    }

    /** Sends the rest of each stalled PATCH: each is answered 204 and its upload is complete. */
    private void finishStalled(List<RawHttp> stalled, List<String> paths) throws Exception {
        for (RawHttp http : stalled) {
            http.send(new byte[SIZE - 100]);
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(10));
            assertNotNull(response);
            assertEquals(204, response.status());
        }
        for (String path : paths) {
            assertEquals(SIZE, Tus.offset(path));
        }
    }

    private static void closeAll(List<RawHttp> connections) throws IOException {
        for (RawHttp http : connections) {
            http.close();
        }
    }

    private double lockGroups() {
        return registry.get("tus.appends.lock.groups").functionCounter().count();
    }

    private double lockGroupMembers() {
        return registry.get("tus.appends.lock.grouped").functionCounter().count();
    }

    private double transactionLocks() {
        return registry.counter("tus.appends.transaction.lock").count();
    }

    /** The state of each backend holding the advisory lock {@code key} ("idle" for a lock session). */
    private List<String> holders(long key) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement("SELECT a.state FROM pg_locks l "
                        + "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                        + "AND l.classid::bigint = ? AND l.objid::bigint = ? AND l.objsubid = 1")) {
            query.setLong(1, key >>> 32);
            query.setLong(2, key & 0xffffffffL);
            List<String> states = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    states.add(rows.getString(1));
                }
            }
            return states;
        }
    }

    /** The offset in the database (a HEAD would wait for the lock). */
    private long storedOffset(String id) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement("SELECT upload_offset FROM upload WHERE id = ?")) {
            query.setString(1, id);
            try (ResultSet row = query.executeQuery()) {
                assertTrue(row.next());
                return row.getLong(1);
            }
        }
    }

    private int inTransaction(List<String> paths) throws SQLException {
        int count = 0;
        for (String path : paths) {
            count += holders(PostgresUploadLocks.key(Tus.idOf(path))).contains("idle in transaction") ? 1 : 0;
        }
        return count;
    }
}
