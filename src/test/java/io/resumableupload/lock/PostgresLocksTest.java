package io.resumableupload.lock;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.lock.postgres.PostgresUploadLocks;

/** PostgreSQL advisory locks on the test database; each "replica" is its own instance with its own sessions. */
@QuarkusTest
class PostgresLocksTest extends LockContract {

    @Inject
    AgroalDataSource dataSource;

    @Override
    UploadLocks replica() {
        PostgresUploadLocks locks = newReplica();
        created.add(locks);
        return locks;
    }

    private PostgresUploadLocks newReplica() {
        return new PostgresUploadLocks(dataSource, LockProducer.physicalConnections(dataSource), 2, Duration.ofMillis(300));
    }

    /** A dead replica (its sessions gone, as after kill -9) frees its locks at once. */
    @Test
    void a_dead_replica_frees_its_locks() throws Exception {
        PostgresUploadLocks dying = newReplica();
        String id = newId();
        dying.acquire(id, Duration.ofSeconds(1), () -> {
        });
        dying.close();
        long start = System.nanoTime();
        try (UploadLock taken = replica().acquire(id, Duration.ofSeconds(5), () -> {
        })) {
            assertTrue(taken.isHeld());
            assertTrue((System.nanoTime() - start) / 1_000_000 < 1_000);
        }
    }

    /** A holder whose session is killed learns it lost the lock (and is asked to stop) within the heartbeat. */
    @Test
    void a_holder_whose_session_dies_is_told_and_stops_counting_as_holder() throws Exception {
        UploadLocks locks = replica();
        String id = newId();
        CountDownLatch told = new CountDownLatch(1);
        UploadLock lock = locks.acquire(id, Duration.ofSeconds(1), told::countDown);
        try (Connection admin = dataSource.getConnection(); Statement kill = admin.createStatement()) {
            // Every session of this database holding an advisory lock but ours: that is the lock session.
            kill.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                    + "AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        }
        assertTrue(told.await(3, TimeUnit.SECONDS), "the holder was not told");
        assertFalse(lock.isHeld());
        assertFalse(lock.confirmHeld());
        lock.close();
        try (UploadLock again = replica().acquire(id, Duration.ofSeconds(3), () -> {
        })) {
            assertTrue(again.isHeld());
        }
    }
}
