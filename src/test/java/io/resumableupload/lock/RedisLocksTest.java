package io.resumableupload.lock;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.lock.redis.RedisUploadLocks;
import io.resumableupload.support.RedisResource;

/** Redis leases on a real Redis; each "replica" is its own instance. Short leases keep the TTL tests quick. */
@QuarkusTest
@QuarkusTestResource(value = RedisResource.class, restrictToAnnotatedClass = true)
class RedisLocksTest extends LockContract {

    private static final Duration LEASE = Duration.ofMillis(1500);

    // Instance: the Redis client is only active where quarkus.redis.hosts is set (this class's resource), and
    // Quarkus checks the injection points of every test class when it starts.
    @Inject
    Instance<RedisDataSource> redisInstance;

    private RedisDataSource redis() {
        return redisInstance.get();
    }

    @Override
    UploadLocks replica() {
        RedisUploadLocks locks = new RedisUploadLocks(redis(), LEASE, "tus-test:lock:");
        created.add(locks);
        return locks;
    }

    /** A holder killed with -9 stops renewing: its lease runs out within the TTL and the lock is free. */
    @Test
    void a_dead_holder_frees_the_lock_within_the_lease() throws Exception {
        RedisUploadLocks dying = new RedisUploadLocks(redis(), LEASE, "tus-test:lock:");
        String id = newId();
        dying.acquire(id, Duration.ofSeconds(1), () -> {
        });
        dying.close(); // stops renewing, releases nothing: like kill -9
        long start = System.nanoTime();
        try (UploadLock taken = replica().acquire(id, Duration.ofSeconds(5), () -> {
        })) {
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(taken.isHeld());
            assertTrue(millis <= LEASE.toMillis() + 500, "took " + millis + " ms");
        }
    }

    /** Fencing: a lease taken over by someone else is lost for its old holder, who is told to stop. */
    @Test
    void a_holder_whose_lease_is_gone_is_told_and_fails_the_fencing_check() throws Exception {
        UploadLocks locks = replica();
        String id = newId();
        CountDownLatch told = new CountDownLatch(1);
        UploadLock lock = locks.acquire(id, Duration.ofSeconds(1), told::countDown);
        redis().execute("SET", "tus-test:lock:" + id, "someone-else");
        assertFalse(lock.confirmHeld());
        assertTrue(told.await(2, TimeUnit.SECONDS));
        assertFalse(lock.isHeld());
        lock.close();
        redis().execute("DEL", "tus-test:lock:" + id);
    }
}
