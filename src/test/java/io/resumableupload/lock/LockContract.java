package io.resumableupload.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every lock backend must do. {@link #replica()} makes a new instance of the backend, as another replica of the
 * server would have; backends that can only serve one replica return the same instance.
 */
abstract class LockContract {

    protected final List<UploadLocks> created = new ArrayList<>();

    /** A backend instance as one replica sees it. */
    abstract UploadLocks replica() throws Exception;

    @AfterEach
    void closeReplicas() throws Exception {
        for (UploadLocks locks : created) {
            if (locks instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
        created.clear();
    }

    static String newId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    @Test
    void a_held_lock_excludes_others_and_is_asked_to_let_go() throws Exception {
        UploadLocks a = replica();
        UploadLocks b = replica();
        String id = newId();
        CountDownLatch asked = new CountDownLatch(1);
        try (UploadLock held = a.acquire(id, Duration.ofSeconds(1), asked::countDown)) {
            assertTrue(held.isHeld());
            assertTrue(held.confirmHeld());
            assertThrows(LockTimeoutException.class, () -> b.acquire(id, Duration.ofMillis(600), () -> {
            }));
            assertTrue(asked.await(2, TimeUnit.SECONDS), "the holder was not asked to let go");
        }
    }

    /** Background work (the reaper) takes only free locks, and never disturbs a holder, here or in another replica. */
    @Test
    void try_acquire_takes_a_free_lock_and_never_disturbs_a_holder() throws Exception {
        UploadLocks a = replica();
        UploadLocks b = replica();
        String id = newId();
        AtomicInteger asked = new AtomicInteger();
        try (UploadLock held = a.acquire(id, Duration.ofSeconds(1), asked::incrementAndGet)) {
            assertEquals(null, b.tryAcquire(id));
            assertEquals(null, a.tryAcquire(id));
            assertTrue(held.isHeld());
            assertTrue(held.confirmHeld());
            assertEquals(0, asked.get(), "the holder was asked to let go");
        }
        UploadLock taken = b.tryAcquire(id);
        assertTrue(taken != null && taken.isHeld());
        assertThrows(LockTimeoutException.class, () -> a.acquire(id, Duration.ofMillis(300), () -> {
        }));
        taken.close();
        a.acquire(id, Duration.ofSeconds(1), () -> {
        }).close();
    }

    /** The newest request wins: a holder that honours the request lets go, and the waiter gets the lock soon. */
    @Test
    void a_holder_that_lets_go_hands_over_within_a_second() throws Exception {
        UploadLocks a = replica();
        UploadLocks b = replica();
        String id = newId();
        UploadLock[] held = new UploadLock[1];
        held[0] = a.acquire(id, Duration.ofSeconds(1), () -> new Thread(() -> held[0].close()).start());
        long start = System.nanoTime();
        try (UploadLock taken = b.acquire(id, Duration.ofSeconds(10), () -> {
        })) {
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 1_000, "handing over took " + millis + " ms");
            assertTrue(taken.isHeld());
            assertFalse(held[0].isHeld());
        }
    }

    @Test
    void different_uploads_do_not_wait_for_each_other() throws Exception {
        UploadLocks a = replica();
        try (UploadLock first = a.acquire(newId(), Duration.ofSeconds(1), () -> {
        }); UploadLock second = replica().acquire(newId(), Duration.ofMillis(500), () -> {
        })) {
            assertTrue(first.isHeld() && second.isHeld());
        }
    }

    @Test
    void released_locks_can_be_taken_again_and_closing_twice_is_harmless() throws Exception {
        UploadLocks a = replica();
        String id = newId();
        UploadLock lock = a.acquire(id, Duration.ofSeconds(1), () -> {
        });
        lock.close();
        lock.close();
        assertFalse(lock.isHeld());
        try (UploadLock again = replica().acquire(id, Duration.ofSeconds(1), () -> {
        })) {
            assertTrue(again.isHeld());
        }
    }

    /** Mutual exclusion under contention from several replicas and threads. */
    @Test
    void never_two_holders_at_once() throws Exception {
        List<UploadLocks> replicas = List.of(replica(), replica(), replica());
        String id = newId();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        AtomicInteger rounds = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            UploadLocks locks = replicas.get(t % replicas.size());
            workers.add(pool.submit(() -> {
                for (int i = 0; i < 15; i++) {
                    try (UploadLock lock = locks.acquire(id, Duration.ofSeconds(20), () -> {
                    })) {
                        maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        Thread.sleep(2);
                        inside.decrementAndGet();
                        rounds.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(1, maxInside.get(), "two holders at once");
        assertEquals(90, rounds.get());
    }
}
