package io.resumableupload.lock.memory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.resumableupload.lock.LockTimeoutException;
import io.resumableupload.lock.UploadLock;
import io.resumableupload.lock.UploadLocks;

/**
 * Locks in this JVM's memory: right for exactly one replica, and the in-process half of the distributed backends
 * (which exclude requests of other replicas on top of it).
 */
public final class MemoryUploadLocks implements UploadLocks {

    private final ConcurrentHashMap<String, Holder> holders = new ConcurrentHashMap<>();

    @Override
    public UploadLock acquire(String uploadId, Duration timeout, Runnable onReleaseRequested)
            throws LockTimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Holder mine = new Holder(uploadId, onReleaseRequested);
        while (true) {
            Holder current = holders.putIfAbsent(uploadId, mine);
            if (current == null) {
                return mine;
            }
            current.requestRelease();
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new LockTimeoutException(uploadId);
            }
            try {
                current.released.get(remaining, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new LockTimeoutException(uploadId);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public UploadLock tryAcquire(String uploadId) {
        return tryAcquire(uploadId, () -> {
        });
    }

    /** The lock if it is free, else null (the holder is not asked to let go); release requests go to the callback. */
    public UploadLock tryAcquire(String uploadId, Runnable onReleaseRequested) {
        Holder mine = new Holder(uploadId, onReleaseRequested);
        return holders.putIfAbsent(uploadId, mine) == null ? mine : null;
    }

    /**
     * Asks the holder of {@code uploadId}'s lock in this JVM, if any, to let go: how a request from another replica
     * reaches the holder (the distributed backends call it when such a request arrives).
     */
    public void requestRelease(String uploadId) {
        Holder holder = holders.get(uploadId);
        if (holder != null) {
            holder.requestRelease();
        }
    }

    private final class Holder implements UploadLock {
        private final String uploadId;
        private final Runnable onReleaseRequested;
        private final AtomicBoolean releaseRequested = new AtomicBoolean();
        private final CompletableFuture<Void> released = new CompletableFuture<>();

        Holder(String uploadId, Runnable onReleaseRequested) {
            this.uploadId = uploadId;
            this.onReleaseRequested = onReleaseRequested;
        }

        void requestRelease() {
            if (releaseRequested.compareAndSet(false, true)) {
                onReleaseRequested.run();
            }
        }

        @Override
        public String uploadId() {
            return uploadId;
        }

        @Override
        public boolean isHeld() {
            return holders.get(uploadId) == this;
        }

        @Override
        public void close() {
            if (holders.remove(uploadId, this)) {
                released.complete(null);
            }
        }
    }
}
