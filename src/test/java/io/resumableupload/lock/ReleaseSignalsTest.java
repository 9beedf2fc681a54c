package io.resumableupload.lock;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.resumableupload.lock.memory.MemoryUploadLocks;

/** The messages between replicas, with a transport that loses messages as NOTIFY and pub/sub can. */
class ReleaseSignalsTest {

    @Test
    void a_lost_release_request_is_repeated_until_the_holder_lets_go() throws Exception {
        MemoryUploadLocks holderLocal = new MemoryUploadLocks();
        ReleaseSignals holderReplica = new ReleaseSignals(holderLocal);
        ReleaseSignals waiterReplica = new ReleaseSignals(new MemoryUploadLocks());
        CountDownLatch asked = new CountDownLatch(1);
        AtomicBoolean held = new AtomicBoolean(true);
        UploadLock[] lock = new UploadLock[1];
        lock[0] = holderLocal.acquire("u1", Duration.ofSeconds(1), () -> {
            asked.countDown();
            held.set(false);
            lock[0].close();
        });
        AtomicInteger sent = new AtomicInteger();
        // The first message is lost (the holder's listener was reconnecting); later ones arrive.
        String taken = waiterReplica.takeWhenFree("u1", System.nanoTime() + TimeUnit.SECONDS.toNanos(5), 50,
                () -> held.get() ? null : "lock", message -> {
                    if (sent.incrementAndGet() > 1) {
                        holderReplica.received(message);
                    }
                });
        assertTrue(asked.await(0, TimeUnit.SECONDS), "the holder was never asked to let go");
        assertTrue("lock".equals(taken));
        assertTrue(sent.get() >= 2, "the request was not repeated");
    }
}
