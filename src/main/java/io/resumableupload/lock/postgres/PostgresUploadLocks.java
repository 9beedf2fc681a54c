package io.resumableupload.lock.postgres;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.resumableupload.lock.LockTimeoutException;
import io.resumableupload.lock.LockUnavailableException;
import io.resumableupload.lock.ReleaseSignals;
import io.resumableupload.lock.UploadLock;
import io.resumableupload.lock.UploadLocks;
import io.resumableupload.lock.memory.MemoryUploadLocks;

/**
 * Upload locks shared by every replica on one PostgreSQL, as session-level advisory locks (no table, no extra
 * infrastructure).
 *
 * <p>
 * Within a replica a {@link MemoryUploadLocks} orders requests first (advisory locks are re-entrant within a
 * session, so they cannot tell two requests of one replica apart). Across replicas: the advisory lock is taken on
 * one of a few dedicated sessions (by hash of the upload id), held for as long as the upload's lock is, and freed
 * with {@code pg_advisory_unlock}. If a replica dies, its sessions end and PostgreSQL frees their locks at once.
 * A session that fails its heartbeat is closed on purpose, which frees its locks, and its holders are told to stop.
 *
 * <p>
 * Release requests cross replicas as {@link ReleaseSignals} carried by {@code NOTIFY} on one channel that every
 * replica LISTENs to.
 */
public final class PostgresUploadLocks implements UploadLocks, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PostgresUploadLocks.class);
    static final String CHANNEL = "tus_upload_locks";
    private static final long POLL_MILLIS = 200;

    private final DataSource dataSource;
    private final Connector connector;
    private final MemoryUploadLocks local = new MemoryUploadLocks();
    private final ReleaseSignals signals = new ReleaseSignals(local);
    private final Session[] sessions;
    private final ScheduledExecutorService heartbeat;
    private final Thread listener;
    private final CountDownLatch listening = new CountDownLatch(1);
    private volatile boolean closed;
    private static final Duration LISTEN_START_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Opens a physical connection of its own. Lock sessions and the listener must not use pooled connections: a
     * pooled connection "closed" goes back to the pool, and its session, still holding advisory locks, lives on.
     */
    @FunctionalInterface
    public interface Connector {
        Connection connect() throws SQLException;
    }

    /**
     * @param dataSource the pool, for short statements (NOTIFY)
     * @param connector opens the lock sessions' and the listener's own connections
     * @param sessionCount how many sessions hold this replica's locks
     * @param heartbeatInterval how often each session is checked
     */
    public PostgresUploadLocks(DataSource dataSource, Connector connector, int sessionCount, Duration heartbeatInterval) {
        this.dataSource = dataSource;
        this.connector = connector;
        this.sessions = new Session[sessionCount];
        for (int i = 0; i < sessionCount; i++) {
            sessions[i] = new Session(i);
        }
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(daemon("tus-pg-lock-heartbeat"));
        long millis = heartbeatInterval.toMillis();
        heartbeat.scheduleWithFixedDelay(this::checkSessions, millis, millis, TimeUnit.MILLISECONDS);
        this.listener = daemon("tus-pg-lock-listener").newThread(this::listen);
        listener.start();
        awaitListening();
    }

    /**
     * Waits (bounded) until the listener runs LISTEN, so a replica that just started hears the first release request
     * sent to it; a database that is not up yet only delays this, the listener keeps reconnecting on its own.
     */
    private void awaitListening() {
        try {
            if (!listening.await(LISTEN_START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("lock notifications not listening after %d s; release requests rely on repeats until then",
                        LISTEN_START_TIMEOUT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public UploadLock acquire(String uploadId, Duration timeout, Runnable onReleaseRequested)
            throws LockTimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        AtomicBoolean wanted = new AtomicBoolean();
        UploadLock inProcess = local.acquire(uploadId, timeout, () -> {
            wanted.set(true);
            onReleaseRequested.run();
        });
        long key = key(uploadId);
        Session session = sessions[(int) Math.floorMod(key, (long) sessions.length)];
        try {
            return signals.takeWhenFree(uploadId, deadline, POLL_MILLIS, () -> {
                long epoch = session.tryLock(key, uploadId);
                return epoch < 0 ? null : new PostgresLock(uploadId, key, session, epoch, inProcess, wanted);
            }, this::announce);
        } catch (SQLException e) {
            inProcess.close();
            throw new LockUnavailableException("PostgreSQL lock backend unavailable: " + e.getMessage(), e);
        } catch (LockTimeoutException | InterruptedException | RuntimeException e) {
            inProcess.close();
            throw e;
        }
    }

    @Override
    public UploadLock tryAcquire(String uploadId) {
        UploadLock inProcess = local.tryAcquire(uploadId);
        if (inProcess == null) {
            return null;
        }
        long key = key(uploadId);
        Session session = sessions[(int) Math.floorMod(key, (long) sessions.length)];
        try {
            long epoch = session.tryLock(key, uploadId);
            if (epoch < 0) {
                inProcess.close();
                return null;
            }
            return new PostgresLock(uploadId, key, session, epoch, inProcess, new AtomicBoolean());
        } catch (SQLException e) {
            inProcess.close();
            throw new LockUnavailableException("PostgreSQL lock backend unavailable: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            inProcess.close();
            throw e;
        }
    }

    /**
     * The in-process half of an upload's lock alone, for a holder that takes the cross-replica half itself as a
     * transaction-level advisory lock on {@link #key} (see {@code UploadRepository.tryLockRow}); null when a request
     * of this replica holds it. Release requests from any replica reach {@code onReleaseRequested} as for
     * {@link #acquire}; close it only after that transaction ended: if someone asked for the lock meanwhile, closing
     * announces its release to every replica.
     */
    public UploadLock tryAcquireInProcess(String uploadId, Runnable onReleaseRequested) {
        AtomicBoolean wanted = new AtomicBoolean();
        UploadLock inProcess = local.tryAcquire(uploadId, () -> {
            wanted.set(true);
            onReleaseRequested.run();
        });
        if (inProcess == null) {
            return null;
        }
        return new UploadLock() {
            @Override
            public String uploadId() {
                return uploadId;
            }

            @Override
            public boolean isHeld() {
                return inProcess.isHeld();
            }

            @Override
            public void close() {
                if (inProcess.isHeld() && wanted.get()) {
                    announce(signals.freed(uploadId));
                }
                inProcess.close();
            }
        };
    }

    /** Checks that a lock session can reach the database (readiness). */
    public void checkAvailable() throws SQLException {
        sessions[0].ping();
    }

    private void announce(String message) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            notify.setString(1, CHANNEL);
            notify.setString(2, message);
            notify.execute();
        } catch (SQLException e) {
            // Waiters poll too; a lost notification only costs time.
            LOG.debugf("NOTIFY %s failed: %s", message, e.getMessage());
        }
    }

    /** LISTENs on a connection of its own; reconnects after failures. */
    private void listen() {
        while (!closed) {
            try (Connection connection = connector.connect(); Statement statement = connection.createStatement()) {
                statement.execute("LISTEN " + CHANNEL);
                listening.countDown();
                PGConnection pg = connection.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] notifications = pg.getNotifications(500);
                    if (notifications == null) {
                        continue;
                    }
                    for (PGNotification notification : notifications) {
                        signals.received(notification.getParameter());
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!closed) {
                    LOG.warnf("lock notifications interrupted (%s); reconnecting", e.getMessage());
                    sleepQuietly(1000);
                }
            }
        }
    }

    private void checkSessions() {
        for (Session session : sessions) {
            session.heartbeat();
        }
    }

    @Override
    public void close() {
        closed = true;
        heartbeat.shutdownNow();
        listener.interrupt();
        for (Session session : sessions) {
            session.drop("shutting down");
        }
    }

    /** 64 bits of SHA-256 of the id: the advisory lock key (a collision only makes two uploads wait for each other). */
    public static long key(String uploadId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(uploadId.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A database session holding advisory locks. Its epoch changes whenever its connection is replaced: a lock
     * taken in an earlier epoch was freed by PostgreSQL when that connection ended.
     */
    private final class Session {
        private final int index;
        private Connection connection;
        private long epoch;
        private volatile long healthyEpoch = -1;
        private final Set<String> held = ConcurrentHashMap.newKeySet();

        Session(int index) {
            this.index = index;
        }

        /** Takes the advisory lock if free; returns the epoch it was taken in, or -1 if another session holds it. */
        synchronized long tryLock(long key, String uploadId) throws SQLException {
            ensureConnected();
            try (PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                lock.setLong(1, key);
                try (ResultSet row = lock.executeQuery()) {
                    row.next();
                    if (!row.getBoolean(1)) {
                        return -1;
                    }
                }
            } catch (SQLException e) {
                drop("lock query failed: " + e.getMessage());
                throw e;
            }
            held.add(uploadId);
            return epoch;
        }

        synchronized void unlock(long key, long lockEpoch, String uploadId) {
            held.remove(uploadId);
            if (lockEpoch != epoch || connection == null) {
                return;
            }
            try (PreparedStatement unlock = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                unlock.setLong(1, key);
                unlock.execute();
            } catch (SQLException e) {
                drop("unlock failed: " + e.getMessage());
            }
        }

        boolean holds(long lockEpoch) {
            return lockEpoch == healthyEpoch;
        }

        synchronized void ping() throws SQLException {
            ensureConnected();
            try (Statement check = connection.createStatement()) {
                check.setQueryTimeout(5);
                check.execute("SELECT 1");
            }
        }

        void heartbeat() {
            if (closed) {
                return;
            }
            try {
                ping();
            } catch (SQLException e) {
                drop("heartbeat failed: " + e.getMessage());
            }
        }

        private void ensureConnected() throws SQLException {
            if (connection != null) {
                return;
            }
            connection = connector.connect();
            connection.setAutoCommit(true);
            epoch++;
            healthyEpoch = epoch;
        }

        /** Closes the session: PostgreSQL frees its locks; their holders are told to stop. */
        synchronized void drop(String reason) {
            healthyEpoch = -1;
            if (connection != null) {
                if (!closed) {
                    LOG.warnf("lock session %d lost (%s): %d held locks are gone", index, reason, held.size());
                }
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // already broken
                }
                connection = null;
            }
            for (String uploadId : held) {
                local.requestRelease(uploadId);
            }
            held.clear();
        }
    }

    /** A held upload lock: the in-process lock plus the advisory lock. */
    private final class PostgresLock implements UploadLock {
        private final String uploadId;
        private final long key;
        private final Session session;
        private final long epoch;
        private final UploadLock inProcess;
        /**
         * Set when someone asked for this lock while it was held (a release request from a waiter in any replica):
         * only then is its release announced. Announcing every release cost a NOTIFY (a pooled connection, a
         * statement, and a wake-up of every replica's listener) per PATCH for nobody; a waiter whose request crossed
         * the release still finds the lock free at its next poll.
         */
        private final AtomicBoolean wanted;
        private volatile boolean released;

        PostgresLock(String uploadId, long key, Session session, long epoch, UploadLock inProcess,
                AtomicBoolean wanted) {
            this.uploadId = uploadId;
            this.key = key;
            this.session = session;
            this.epoch = epoch;
            this.inProcess = inProcess;
            this.wanted = wanted;
        }

        @Override
        public String uploadId() {
            return uploadId;
        }

        @Override
        public boolean isHeld() {
            return !released && inProcess.isHeld() && session.holds(epoch);
        }

        @Override
        public void close() {
            if (released) {
                return;
            }
            released = true;
            session.unlock(key, epoch, uploadId);
            if (wanted.get()) {
                announce(signals.freed(uploadId));
            }
            inProcess.close();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
