package io.resumableupload.upload;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
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
    private final Timer patchDuration;
    private final Timer lockAcquire;
    private final AtomicInteger inProgress = new AtomicInteger();
    // Tagged counters are looked up once per tag combination, not built per request.
    private final Map<String, Counter> requestCounters = new ConcurrentHashMap<>();
    private final Map<String, Counter> errorCounters = new ConcurrentHashMap<>();

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
        checksumMismatches = Counter.builder("tus.checksum.mismatches")
                .description("Requests rejected with 460 Checksum Mismatch").register(registry);
        patchDuration = Timer.builder("tus.patch.duration").description("Duration of requests that append bytes")
                .publishPercentileHistogram().register(registry);
        registry.gauge("tus.uploads.in.progress", inProgress);
        lockAcquire = Timer.builder("tus.lock.acquire").description("Time to get an upload's lock")
                .tag("backend", io.resumableupload.lock.LockProducer.backend(config).name().toLowerCase(java.util.Locale.ROOT))
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram().register(registry);
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

    /** Counts an error response by its ERR code. */
    public void error(String code) {
        errorCounters.computeIfAbsent(code, c -> registry.counter("tus.errors", "code", c)).increment();
    }

    /** Counts a response by method and status. */
    public void request(String method, int status) {
        requestCounters.computeIfAbsent(method + ' ' + status,
                key -> registry.counter("tus.requests", "method", method, "status", Integer.toString(status))).increment();
    }
}
