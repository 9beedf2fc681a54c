package io.resumableupload.lock;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.resumableupload.lock.memory.MemoryUploadLocks;

/**
 * The messages by which the distributed backends reach holders and waiters in other replicas, whatever carries
 * them (PostgreSQL NOTIFY, Redis pub/sub): {@code R <replica> <upload id>} asks the holder of an upload's lock to let
 * go; {@code F <replica> <upload id>} says a lock was freed, so waiters retry at once instead of at their next poll.
 */
public final class ReleaseSignals {

    private final String replica = UUID.randomUUID().toString();
    private final MemoryUploadLocks local;
    private final Map<String, Object> waiters = new ConcurrentHashMap<>();

    /** @param local the in-process locks of this replica, whose holders receive release requests */
    public ReleaseSignals(MemoryUploadLocks local) {
        this.local = local;
    }

    /** The message asking every other replica's holder of {@code uploadId} to let go. */
    String releaseRequest(String uploadId) {
        return "R " + replica + " " + uploadId;
    }

    /** The message saying this replica freed {@code uploadId}'s lock. */
    public String freed(String uploadId) {
        return "F " + replica + " " + uploadId;
    }

    /**
     * Handles a message from any replica. A replica ignores its own: its release request must not reach its local
     * holder, which is the waiting request itself (it holds the in-process lock while it waits).
     */
    public void received(String message) {
        String[] parts = message.split(" ", 3);
        if (parts.length != 3 || parts[1].equals(replica)) {
            return;
        }
        if (parts[0].equals("R")) {
            local.requestRelease(parts[2]);
        } else if (parts[0].equals("F")) {
            Object signal = waiters.remove(parts[2]);
            if (signal != null) {
                synchronized (signal) {
                    signal.notifyAll();
                }
            }
        }
    }

    /** One attempt at a lock held in the backend: the lock, or null while another replica holds it. */
    @FunctionalInterface
    public interface Attempt<T, E extends Exception> {
        T tryOnce() throws E;
    }

    /**
     * How often a waiter repeats its release request. Notifications are fire-and-forget: one sent while the holder's
     * replica was (re)connecting its listener is lost, and asking only once would then leave the waiter to its
     * timeout. Asking again is harmless: a holder already letting go ignores it.
     */
    static final long REPEAT_REQUEST_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * How a distributed backend waits for a holder in another replica: tries; while the lock is held elsewhere,
     * asks that holder to let go ({@code announce}, repeated every second), then tries again whenever a freed signal
     * arrives, at least every {@code pollMillis} (a message can be lost), until {@code deadlineNanos}.
     */
    public <T, E extends Exception> T takeWhenFree(String uploadId, long deadlineNanos, long pollMillis,
            Attempt<T, E> attempt, Consumer<String> announce) throws E, LockTimeoutException, InterruptedException {
        long askedAt = 0;
        boolean asked = false;
        while (true) {
            T lock = attempt.tryOnce();
            if (lock != null) {
                return lock;
            }
            if (!asked || System.nanoTime() - askedAt >= REPEAT_REQUEST_NANOS) {
                announce.accept(releaseRequest(uploadId));
                asked = true;
                askedAt = System.nanoTime();
            }
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                throw new LockTimeoutException(uploadId);
            }
            awaitFreed(uploadId, Math.min(TimeUnit.NANOSECONDS.toMillis(remaining) + 1, pollMillis));
        }
    }

    /** Waits up to {@code millis} for another replica to free {@code uploadId}'s lock. */
    private void awaitFreed(String uploadId, long millis) throws InterruptedException {
        Object signal = waiters.computeIfAbsent(uploadId, id -> new Object());
        synchronized (signal) {
            signal.wait(Math.max(1, millis));
        }
    }
}
