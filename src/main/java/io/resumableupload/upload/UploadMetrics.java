package io.resumableupload.upload;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.resumableupload.storage.FreeSpaceReporting;
import io.resumableupload.storage.UploadStorage;

/** The upload meters, exported at /q/metrics with the {@code tus_} prefix. */
@Singleton
public class UploadMetrics {

    private final MeterRegistry registry;
    private final Counter created;
    private final Counter finished;
    private final Counter terminated;
    private final Counter expired;
    private final Counter lost;
    private final Counter bytesReceived;
    private final Counter bytesArrived;
    private final Counter checksumMismatches;
    private final Counter appendsReadAhead;
    private final Counter appendsTransactionLock;
    private final Counter creationsInOneCommit;
    private final Timer patchDuration;
    private final Timer lockAcquire;
    private final AtomicInteger inProgress = new AtomicInteger();
    private volatile List<LongSupplier> lockGroupCounts;
    // Tagged counters are looked up once per tag combination, not built per request.
    private final Map<String, Counter> requestCounters = new ConcurrentHashMap<>();
    private final Map<String, Counter> errorCounters = new ConcurrentHashMap<>();
    private final boolean tusdNames;
    private final Map<String, Counter> tusdRequestCounters = new ConcurrentHashMap<>();
    private final Map<String, Counter> tusdErrorCounters = new ConcurrentHashMap<>();

    public UploadMetrics(MeterRegistry registry, io.resumableupload.config.TusConfig config, UploadStorage storage) {
        this.registry = registry;
        created = Counter.builder("tus.uploads.created").description("Uploads created").register(registry);
        finished = Counter.builder("tus.uploads.finished").description("Uploads that received all their bytes")
                .register(registry);
        terminated = Counter.builder("tus.uploads.terminated").description("Uploads deleted by clients")
                .register(registry);
        expired = Counter.builder("tus.uploads.expired").description("Expired uploads reclaimed by the reaper")
                .register(registry);
        lost = Counter.builder("tus.uploads.lost")
                .description("Uploads whose stored bytes vanished from storage (answered 410 ERR_UPLOAD_LOST)")
                .register(registry);
        if (storage instanceof FreeSpaceReporting space) {
            Gauge.builder("tus.storage.free", space, UploadMetrics::freeBytes).baseUnit("bytes")
                    .description("Free space left for upload bytes").register(registry);
        }
        bytesReceived = Counter.builder("tus.bytes.received").baseUnit("bytes")
                .description("Upload bytes durably stored and acknowledged").register(registry);
        bytesArrived = Counter.builder("tus.bytes.arrived").baseUnit("bytes")
                .description("Upload bytes read from request bodies as they arrive (before they are durable)")
                .register(registry);
        appendsReadAhead = Counter.builder("tus.appends.read.ahead")
                .description("Appends whose whole body was read while they waited for a worker, then written and "
                        + "committed in one step (tus.patch.read-ahead-max-size)")
                .register(registry);
        appendsTransactionLock = Counter.builder("tus.appends.transaction.lock")
                .description("Small appends whose lock was a transaction-level advisory lock, taken with the read of "
                        + "the upload and ended by the commit of its offset (tus.lock.postgres.transaction-append-max-size)")
                .register(registry);
        creationsInOneCommit = Counter.builder("tus.creations.one.commit")
                .description("Creations with upload that took the one-commit path: the whole body read ahead, stored, "
                        + "then the row inserted with its offset in one statement (no hook learns new ids)")
                .register(registry);
        checksumMismatches = Counter.builder("tus.checksum.mismatches")
                .description("Requests rejected with 460 Checksum Mismatch").register(registry);
        patchDuration = Timer.builder("tus.patch.duration").description("Duration of requests that append bytes")
                .publishPercentileHistogram().register(registry);
        Gauge.builder("tus.uploads.in.progress", inProgress, AtomicInteger::get)
                .description("Appends (PATCH bodies) streaming now").register(registry);
        lockAcquire = Timer.builder("tus.lock.acquire").description("Time to get an upload's lock")
                .tag("backend", io.resumableupload.lock.LockProducer.backend(config).name().toLowerCase(java.util.Locale.ROOT))
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram().register(registry);
        tusdNames = config.metrics().tusdNames();
        if (tusdNames) {
            // tusd's names (pkg/handler/metrics.go), so its dashboards work. tusd exports these four as counters
            // without the _total suffix, which Micrometer adds to every counter; as gauges they keep tusd's names, and
            // rate() reads them the same.
            Gauge.builder("tusd.bytes.received", bytesArrived, Counter::count)
                    .description("Number of bytes received for uploads").register(registry);
            Gauge.builder("tusd.uploads.created", created, Counter::count)
                    .description("Number of created uploads").register(registry);
            Gauge.builder("tusd.uploads.finished", finished, Counter::count)
                    .description("Number of finished uploads").register(registry);
            Gauge.builder("tusd.uploads.terminated", terminated, Counter::count)
                    .description("Number of terminated uploads").register(registry);
            // tusd counts open connections; here the appends in flight, which is what holds connections open long.
            Gauge.builder("tusd.connections.open", inProgress, AtomicInteger::get)
                    .description("Current number of open connections (here: PATCH requests in flight)")
                    .register(registry);
        }
    }

    public void created() {
        created.increment();
    }

    public void finished() {
        finished.increment();
    }

    public void terminated() {
        terminated.increment();
    }

    public void expired() {
        expired.increment();
    }

    public void lost() {
        lost.increment();
    }

    private static double freeBytes(FreeSpaceReporting space) {
        try {
            return space.freeBytes();
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Bytes of a request body as they arrive (before they are durable). */
    public void bytesArrived(long bytes) {
        bytesArrived.increment(bytes);
    }

    public void bytesReceived(long bytes) {
        if (bytes > 0) {
            bytesReceived.increment(bytes);
        }
    }

    public void checksumMismatch() {
        checksumMismatches.increment();
    }

    void appendReadAhead() {
        appendsReadAhead.increment();
    }

    /**
     * Counts the transactions that small appends whose bodies were in hand shared (group commit), and the appends in
     * them: the second divided by the first is the mean group.
     */
    void countLockGroups(LongSupplier groupsFormed, LongSupplier appendsGrouped) {
        // Held here: a function counter keeps only a weak reference to what it reads.
        lockGroupCounts = List.of(groupsFormed, appendsGrouped);
        FunctionCounter.builder("tus.appends.lock.groups", groupsFormed, LongSupplier::getAsLong)
                .description("Transactions shared by small appends whose bodies were in hand: one round trip took "
                        + "their locks and read their uploads, one statement and one commit moved their offsets")
                .register(registry);
        FunctionCounter.builder("tus.appends.lock.grouped", appendsGrouped, LongSupplier::getAsLong)
                .description("Small appends that took their lock in such a shared transaction")
                .register(registry);
    }

    void appendTransactionLock() {
        appendsTransactionLock.increment();
    }

    public void creationInOneCommit() {
        creationsInOneCommit.increment();
    }

    public void appendStarted() {
        inProgress.incrementAndGet();
    }

    public void appendEnded(Duration duration) {
        inProgress.decrementAndGet();
        patchDuration.record(duration);
    }

    public void lockAcquired(Duration duration) {
        lockAcquire.record(duration);
    }

    /** Counts an error response by its ERR code (and, with tusd names, by status and code). */
    public void error(String code, int status) {
        errorCounters.computeIfAbsent(code, c -> Counter.builder("tus.errors").tag("code", c)
                .description("Error responses by ERR code").register(registry)).increment();
        if (tusdNames) {
            tusdErrorCounters.computeIfAbsent(status + " " + code, key -> Counter.builder("tusd.errors")
                    .tag("status", Integer.toString(status)).tag("code", code)
                    .description("Total number of errors per status").register(registry)).increment();
        }
    }

    /** Counts a response by method and status. */
    public void request(String method, int status) {
        requestCounters.computeIfAbsent(method + ' ' + status,
                key -> Counter.builder("tus.requests").tag("method", method).tag("status", Integer.toString(status))
                        .description("Responses by method and status").register(registry))
                .increment();
        if (tusdNames) {
            tusdRequestCounters.computeIfAbsent(method, key -> Counter.builder("tusd.requests").tag("method", method)
                    .description("Total number of requests served by tusd per method").register(registry)).increment();
        }
    }
}
