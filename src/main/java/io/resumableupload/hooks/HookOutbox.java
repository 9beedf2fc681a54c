package io.resumableupload.hooks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.resumableupload.config.TusConfig;

/**
 * Delivers the post-* events of the {@code hook_outbox} table (V5__hook_outbox.sql) to the HTTP hook, from every
 * replica at once.
 *
 * <p>
 * One loop per replica: in a transaction, claim due events with {@code FOR UPDATE SKIP LOCKED} (another replica's
 * claimed rows are skipped, so each event is sent by one replica at a time), only the oldest event of each upload
 * (order per upload), send them in parallel, then delete the delivered ones and reschedule the failed ones with
 * exponential backoff and jitter (or give them up past {@code tus.hooks.outbox.max-age}), and commit. A replica killed
 * mid-send loses its connection, which releases its claims: another replica sends those events again (at least
 * once). In the happy path each event is sent once. The replica that writes an event wakes its own loop; the others
 * find leftovers at their next poll.
 */
@Singleton
public class HookOutbox {

    private static final Logger LOG = Logger.getLogger(HookOutbox.class);

    private final AgroalDataSource dataSource;
    private final HttpHooks http;
    private final HookMetrics metrics;
    private final TusConfig.Hooks.Outbox config;
    private final boolean enabled;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeUp = lock.newCondition();
    private boolean woken;
    private volatile boolean running;
    private Thread loop;

    HookOutbox(AgroalDataSource dataSource, HttpHooks http, HookMetrics metrics, TusConfig config) {
        this.dataSource = dataSource;
        this.http = http;
        this.metrics = metrics;
        this.config = config.hooks().outbox();
        this.enabled = config.hooks().http().url().isPresent();
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        running = true;
        loop = new Thread(this::run, "hook-outbox");
        loop.setDaemon(true);
        loop.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        wake();
        if (loop != null) {
            try {
                loop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Events were written: look at once instead of at the next poll. */
    public void wake() {
        lock.lock();
        try {
            woken = true;
            wakeUp.signal();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        long nextGauge = 0;
        while (running) {
            int claimed;
            try {
                if (System.nanoTime() - nextGauge >= 0) {
                    refreshGauges();
                    nextGauge = System.nanoTime() + config.pollInterval().toNanos();
                }
                claimed = deliverBatch();
            } catch (SQLException | RuntimeException e) {
                LOG.warnf("hook outbox: delivering failed, retrying at the next poll: %s", e.getMessage());
                claimed = 0;
            }
            if (claimed < config.batchSize()) {
                await(config.pollInterval());
            }
        }
    }

    private void await(Duration timeout) {
        lock.lock();
        try {
            if (!woken && running) {
                wakeUp.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
            }
            woken = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    private record Claimed(long seq, String eventId, String uploadId, String type, String payload, int attempts,
            Instant createdAt) {
    }

    /** Claims, sends and settles one batch; returns how many events it claimed. */
    int deliverBatch() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                List<Claimed> batch = claim(connection);
                if (batch.isEmpty()) {
                    connection.commit();
                    return 0;
                }
                List<CompletableFuture<String>> sends = new ArrayList<>();
                for (Claimed event : batch) {
                    metrics.invoked(HookType.ofWireName(event.type()));
                    sends.add(http.deliver(event.payload(), event.eventId()).handle((ok, failure) -> failure == null
                            ? null
                            : failure.getCause() != null ? failure.getCause().getMessage() : failure.getMessage()));
                }
                settle(connection, batch, sends);
                connection.commit();
                return batch.size();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private List<Claimed> claim(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT seq, event_id, upload_id, hook_type, "
                + "payload, attempts, created_at FROM hook_outbox o WHERE next_attempt_at <= clock_timestamp() "
                + "AND NOT EXISTS (SELECT 1 FROM hook_outbox e WHERE e.upload_id = o.upload_id AND e.seq < o.seq) "
                + "ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED")) {
            select.setInt(1, config.batchSize());
            List<Claimed> batch = new ArrayList<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    batch.add(new Claimed(row.getLong(1), row.getString(2), row.getString(3), row.getString(4),
                            row.getString(5), row.getInt(6), row.getTimestamp(7).toInstant()));
                }
            }
            return batch;
        }
    }

    private void settle(Connection connection, List<Claimed> batch, List<CompletableFuture<String>> sends)
            throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM hook_outbox WHERE seq = ?");
                PreparedStatement retry = connection.prepareStatement("UPDATE hook_outbox SET attempts = attempts + 1, "
                        + "next_attempt_at = clock_timestamp() + ? * INTERVAL '1 millisecond', last_error = ? WHERE seq = ?")) {
            for (int i = 0; i < batch.size(); i++) {
                Claimed event = batch.get(i);
                String error = sends.get(i).join();
                HookType type = HookType.ofWireName(event.type());
                Duration age = Duration.between(event.createdAt(), Instant.now());
                if (error == null) {
                    metrics.delivered(age);
                    delete.setLong(1, event.seq());
                    delete.addBatch();
                } else if (age.compareTo(config.maxAge()) >= 0) {
                    metrics.failed(type);
                    metrics.givenUp();
                    LOG.errorf("hook outbox: gave up %s event %s of upload %s after %d attempts over %s: %s",
                            event.type(), event.eventId(), event.uploadId(), event.attempts() + 1, age, error);
                    delete.setLong(1, event.seq());
                    delete.addBatch();
                } else {
                    metrics.failed(type);
                    metrics.retried();
                    long delay = backoffMillis(event.attempts());
                    LOG.warnf("hook outbox: %s event %s of upload %s failed (attempt %d), retrying in %d ms: %s",
                            event.type(), event.eventId(), event.uploadId(), event.attempts() + 1, delay, error);
                    retry.setLong(1, delay);
                    retry.setString(2, error);
                    retry.setLong(3, event.seq());
                    retry.addBatch();
                }
            }
            delete.executeBatch();
            retry.executeBatch();
        }
    }

    /** Exponential from the initial backoff, capped, with full jitter over its upper half. */
    long backoffMillis(int attempts) {
        long initial = config.initialBackoff().toMillis();
        long cap = config.maxBackoff().toMillis();
        long exponential = attempts >= 30 ? cap : Math.min(cap, initial << attempts);
        return exponential / 2 + ThreadLocalRandom.current().nextLong(exponential / 2 + 1);
    }

    private void refreshGauges() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection
                        .prepareStatement("SELECT count(*), min(created_at) FROM hook_outbox");
                ResultSet row = select.executeQuery()) {
            row.next();
            Timestamp oldest = row.getTimestamp(2);
            metrics.outbox(row.getLong(1),
                    oldest == null ? Duration.ZERO : Duration.between(oldest.toInstant(), Instant.now()));
        }
    }
}
