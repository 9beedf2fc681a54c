package io.resumableupload.lock.redis;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.pubsub.PubSubCommands;
import io.resumableupload.lock.LockTimeoutException;
import io.resumableupload.lock.LockUnavailableException;
import io.resumableupload.lock.ReleaseSignals;
import io.resumableupload.lock.UploadLock;
import io.resumableupload.lock.UploadLocks;
import io.resumableupload.lock.memory.MemoryUploadLocks;
import io.vertx.mutiny.redis.client.Response;

/**
 * Upload locks shared by every replica through Redis, as leases: {@code SET <prefix><id> <token> NX PX <ttl>},
 * renewed every third of the TTL while held, deleted on release only by their owner (Lua compare-and-delete).
 *
 * <p>
 * A holder killed with -9 stops renewing; its lease runs out after at most the TTL and the lock is free. A holder
 * that cannot renew considers its lock lost after two thirds of the TTL, before the lease can run out and anyone
 * else can take it, and is told to stop; {@link UploadLock#confirmHeld()} checks the token in Redis (fencing)
 * before an offset advances. Within a replica a {@link MemoryUploadLocks} orders requests first. Release requests
 * cross replicas as {@link ReleaseSignals} by pub/sub on {@code <prefix>events}.
 */
public final class RedisUploadLocks implements UploadLocks, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RedisUploadLocks.class);
    private static final long POLL_MILLIS = 200;
    private static final String RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then "
            + "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    private static final String RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then "
            + "return redis.call('del', KEYS[1]) else return 0 end";

    private final RedisDataSource redis;
    private final long ttlMillis;
    private final String prefix;
    private final String channel;
    /** Tells this replica's tokens apart from other replicas'. */
    private final String replica = UUID.randomUUID().toString();
    private final AtomicLong tokens = new AtomicLong();
    private final MemoryUploadLocks local = new MemoryUploadLocks();
    private final ReleaseSignals signals = new ReleaseSignals(local);
    private final Map<String, RedisLock> held = new ConcurrentHashMap<>();
    private final ScheduledExecutorService renewer;
    private volatile PubSubCommands.RedisSubscriber subscriber;
    private volatile boolean closed;

    public RedisUploadLocks(RedisDataSource redis, Duration leaseTtl, String keyPrefix) {
        this.redis = redis;
        this.ttlMillis = leaseTtl.toMillis();
        this.prefix = keyPrefix;
        this.channel = keyPrefix + "events";
        this.renewer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tus-redis-lock-renewer");
            thread.setDaemon(true);
            return thread;
        });
        renewer.scheduleWithFixedDelay(this::renewAll, ttlMillis / 3, ttlMillis / 3, TimeUnit.MILLISECONDS);
        subscribe();
    }

    @Override
    public UploadLock acquire(String uploadId, Duration timeout, Runnable onReleaseRequested)
            throws LockTimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        UploadLock inProcess = local.acquire(uploadId, timeout, onReleaseRequested);
        try {
            return signals.takeWhenFree(uploadId, deadline, POLL_MILLIS, () -> setIfAbsent(uploadId, inProcess),
                    this::publish);
        } catch (LockTimeoutException | InterruptedException e) {
            inProcess.close();
            throw e;
        } catch (RuntimeException e) {
            inProcess.close();
            throw new LockUnavailableException("Redis lock backend unavailable: " + e.getMessage(), e);
        }
    }

    @Override
    public UploadLock tryAcquire(String uploadId) {
        UploadLock inProcess = local.tryAcquire(uploadId);
        if (inProcess == null) {
            return null;
        }
        try {
            RedisLock lock = setIfAbsent(uploadId, inProcess);
            if (lock == null) {
                inProcess.close();
            }
            return lock;
        } catch (RuntimeException e) {
            inProcess.close();
            throw new LockUnavailableException("Redis lock backend unavailable: " + e.getMessage(), e);
        }
    }

    /** One {@code SET NX}: the lease, or null while another holder has it. */
    private RedisLock setIfAbsent(String uploadId, UploadLock inProcess) {
        String key = prefix + uploadId;
        String token = replica + ":" + tokens.incrementAndGet();
        long sent = System.nanoTime();
        Response set = redis.execute("SET", key, token, "NX", "PX", Long.toString(ttlMillis));
        if (set == null || !"OK".equals(set.toString())) {
            return null;
        }
        RedisLock lock = new RedisLock(uploadId, key, token, sent, inProcess);
        held.put(uploadId, lock);
        return lock;
    }

    /** Checks that Redis answers (readiness). */
    public void checkAvailable() {
        redis.execute("PING");
    }

    private void renewAll() {
        for (RedisLock lock : held.values()) {
            lock.renew();
        }
    }

    private void publish(String message) {
        try {
            redis.pubsub(String.class).publish(channel, message);
        } catch (RuntimeException e) {
            LOG.debugf("publishing %s failed: %s", message, e.getMessage());
        }
    }

    private void subscribe() {
        if (closed) {
            return;
        }
        try {
            subscriber = redis.pubsub(String.class).subscribe(java.util.List.of(channel), signals::received,
                    this::resubscribeLater, failure -> resubscribeLater());
        } catch (RuntimeException e) {
            LOG.warnf("subscribing to lock events failed (%s); retrying", e.getMessage());
            resubscribeLater();
        }
    }

    private void resubscribeLater() {
        if (!closed) {
            renewer.schedule(this::subscribe, 1, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        closed = true;
        renewer.shutdownNow();
        PubSubCommands.RedisSubscriber current = subscriber;
        if (current != null) {
            try {
                current.unsubscribe();
            } catch (RuntimeException ignored) {
                // shutting down
            }
        }
    }

    /** A held lease. */
    private final class RedisLock implements UploadLock {
        private final String uploadId;
        private final String key;
        private final String token;
        private final UploadLock inProcess;
        /** When the last successful (re)newal was sent: the lease lasts at least TTL from then. */
        private volatile long renewedAt;
        private volatile boolean lost;
        private volatile boolean released;

        RedisLock(String uploadId, String key, String token, long renewedAt, UploadLock inProcess) {
            this.uploadId = uploadId;
            this.key = key;
            this.token = token;
            this.renewedAt = renewedAt;
            this.inProcess = inProcess;
        }

        @Override
        public String uploadId() {
            return uploadId;
        }

        @Override
        public boolean isHeld() {
            // Two thirds of the TTL: stop using the lock well before the lease could run out in Redis.
            boolean fresh = System.nanoTime() - renewedAt < TimeUnit.MILLISECONDS.toNanos(ttlMillis * 2 / 3);
            return !released && !lost && fresh && inProcess.isHeld();
        }

        @Override
        public boolean confirmHeld() {
            if (!isHeld()) {
                return false;
            }
            return renew();
        }

        /** Extends the lease if it is still ours; a lease that is not is lost for good. */
        boolean renew() {
            if (released || lost) {
                return false;
            }
            long sent = System.nanoTime();
            try {
                Response renewed = redis.execute("EVAL", RENEW, "1", key, token, Long.toString(ttlMillis));
                if (renewed != null && renewed.toLong() == 1) {
                    renewedAt = sent;
                    return true;
                }
                lose("the lease belongs to someone else");
                return false;
            } catch (RuntimeException e) {
                if (!isHeld()) {
                    lose("could not renew the lease: " + e.getMessage());
                }
                return false;
            }
        }

        private void lose(String reason) {
            if (!lost) {
                lost = true;
                LOG.warnf("lock of upload %s lost: %s", uploadId, reason);
                local.requestRelease(uploadId);
            }
        }

        @Override
        public void close() {
            if (released) {
                return;
            }
            released = true;
            held.remove(uploadId, this);
            try {
                redis.execute("EVAL", RELEASE, "1", key, token);
            } catch (RuntimeException e) {
                LOG.debugf("releasing the lease of %s failed (it runs out by itself): %s", uploadId, e.getMessage());
            }
            publish(signals.freed(uploadId));
            inProcess.close();
        }
    }
}
