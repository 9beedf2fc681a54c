package io.resumableupload.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TUS 1.0.0 client on {@code java.net.http}, with no dependencies.
 *
 * <pre>{@code
 * try (TusClient client = TusClient.builder(URI.create("https://uploads.example.com/files/"))
 *         .urlStore(new FileUrlStore(Path.of("uploads.db")))
 *         .checksum(ChecksumAlgorithm.SHA256)
 *         .parallelUploads(4)
 *         .build()) {
 *     UploadResult result = client.upload(UploadSource.of(Path.of("video.mp4")),
 *             UploadOptions.builder().metadata("filename", "video.mp4").progress(System.out::println).build());
 *     System.out.println(result.url());
 * }
 * }</pre>
 *
 * <p>
 * The client asks the server what it supports (OPTIONS) and uses an extension only when it is advertised:
 * checksums, parallel uploads (concatenation), deferred length, creation-with-upload. A failed request is retried
 * by the {@link RetryPolicy} after re-reading the offset with HEAD, so an upload resumes where the server stopped;
 * with a {@link UrlStore} it also resumes in a later run. Thread safe; one client can run many uploads at once.
 */
public final class TusClient implements AutoCloseable {

    /** Chunk size for streams when none is configured: each chunk is held in memory until acknowledged. */
    public static final long DEFAULT_STREAM_CHUNK = 8L << 20;

    /** How long a request with data may make no progress before it is cancelled and retried. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    private static final String TUS_VERSION = "1.0.0";
    private static final String OFFSET_STREAM = "application/offset+octet-stream";

    private final URI endpoint;
    private final HttpClient http;
    private final long chunkSize;
    private final int parallelUploads;
    private final ChecksumAlgorithm checksum;
    private final boolean checksumAuto;
    private final boolean creationWithUpload;
    private final boolean methodOverride;
    private final RetryPolicy retry;
    private final UrlStore urlStore;
    private final boolean removeFingerprintOnSuccess;
    private final RequestHook requestHook;
    private final ResponseHook responseHook;
    private final Map<String, String> headers;
    private final Duration requestTimeout;
    private final Duration idleTimeout;
    private final RetryPolicy.RetryListener retryListener;
    private final Duration progressInterval;
    private final RangePublisher.RateLimiter rateLimiter;
    private final ExecutorService executor;
    private volatile ServerCapabilities capabilities;

    private TusClient(Builder b) {
        this.endpoint = b.endpoint;
        this.chunkSize = b.chunkSize;
        this.parallelUploads = b.parallelUploads;
        this.checksum = b.checksum;
        this.checksumAuto = b.checksumAuto;
        this.creationWithUpload = b.creationWithUpload;
        this.methodOverride = b.methodOverride;
        this.retry = b.retry;
        this.urlStore = b.urlStore;
        this.removeFingerprintOnSuccess = b.removeFingerprintOnSuccess;
        this.requestHook = b.requestHook;
        this.responseHook = b.responseHook;
        this.headers = Map.copyOf(b.headers);
        this.requestTimeout = b.requestTimeout;
        this.idleTimeout = b.idleTimeout;
        this.retryListener = b.retryListener;
        this.progressInterval = b.progressInterval;
        this.rateLimiter = b.bytesPerSecond > 0 ? new RangePublisher.RateLimiter(b.bytesPerSecond) : null;
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory daemons = r -> {
            Thread thread = new Thread(r, "tus-client-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        this.executor = Executors.newCachedThreadPool(daemons);
        this.http = b.httpClient != null ? b.httpClient
                : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(b.connectTimeout)
                        .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** A builder for a client of the upload collection at {@code endpoint} (e.g. {@code http://host/files/}). */
    public static Builder builder(URI endpoint) {
        return new Builder(endpoint);
    }

    /** The endpoint uploads are created at. */
    public URI endpoint() {
        return endpoint;
    }

    // ---- discovery ----

    /**
     * What the server supports, from OPTIONS (asked once, then cached). A server that answers OPTIONS with an error
     * is assumed to offer core and creation only; one that cannot be reached is retried like any request.
     */
    public ServerCapabilities capabilities() throws IOException, InterruptedException {
        ServerCapabilities known = capabilities;
        if (known != null) {
            return known;
        }
        Response response = new Retrying(null, null).call("OPTIONS",
                () -> send("OPTIONS", endpoint, Map.of(), HttpRequest.BodyPublishers.noBody(), requestTimeout));
        ServerCapabilities found = response.status() / 100 == 2 ? parseCapabilities(response.headers())
                : ServerCapabilities.MINIMAL;
        capabilities = found;
        return found;
    }

    private static ServerCapabilities parseCapabilities(HttpHeaders headers) {
        Set<String> extensions = new LinkedHashSet<>();
        headers.firstValue("Tus-Extension").ifPresent(v -> Arrays.stream(v.split(",")).map(String::strip)
                .filter(s -> !s.isEmpty()).forEach(extensions::add));
        OptionalLong maxSize = headers.firstValue("Tus-Max-Size").map(v -> OptionalLong.of(Long.parseLong(v.strip())))
                .orElse(OptionalLong.empty());
        List<ChecksumAlgorithm> algorithms = new ArrayList<>();
        headers.firstValue("Tus-Checksum-Algorithm").ifPresent(v -> Arrays.stream(v.split(","))
                .map(ChecksumAlgorithm::byTusName).flatMap(Optional::stream).forEach(algorithms::add));
        return new ServerCapabilities(Set.copyOf(extensions), maxSize, List.copyOf(algorithms));
    }

    // ---- uploads ----

    /** Uploads {@code source}; blocks until done. Resumes a previous upload of the same source if the store has one. */
    public UploadResult upload(UploadSource source, UploadOptions options) throws IOException, InterruptedException {
        ServerCapabilities caps = capabilities();
        int parallel = options.parallelUploads() > 0 ? options.parallelUploads() : parallelUploads;
        Progress progress = new Progress(source.size(), options.progress(), progressInterval);
        try {
            UploadResult result;
            if (parallel > 1 && source instanceof UploadSource.FileSource file && caps.supports("concatenation")
                    && file.size() >= parallel) {
                result = new ParallelUpload(file, options, caps, parallel, progress).run();
            } else {
                result = new SingleUpload(source, options, caps, progress).run();
            }
            progress.report(true);
            return result;
        } finally {
            if (source instanceof UploadSource.StreamSource stream) {
                stream.in().close();
            }
        }
    }

    /** {@link #upload} on the client's threads. */
    public CompletableFuture<UploadResult> uploadAsync(UploadSource source, UploadOptions options) {
        CompletableFuture<UploadResult> result = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                result.complete(upload(source, options));
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Deletes an upload (termination). */
    public void terminate(URI uploadUrl) throws IOException, InterruptedException {
        new Retrying(uploadUrl, null).call("DELETE", () -> {
            Response response = send("DELETE", uploadUrl, Map.of(), HttpRequest.BodyPublishers.noBody(), requestTimeout);
            expect(response, "DELETE", uploadUrl, 204);
            return null;
        });
    }

    /**
     * The server's view of an upload: its offset and length (-1 while deferred).
     *
     * @throws TusClientException with status 404 or 410 when the upload is gone
     */
    public UploadStatus status(URI uploadUrl) throws IOException, InterruptedException {
        Response response = send("HEAD", uploadUrl, Map.of(), HttpRequest.BodyPublishers.noBody(), requestTimeout);
        expect(response, "HEAD", uploadUrl, 200, 204);
        long offset = header(response, "Upload-Offset").map(Long::parseLong).orElse(-1L);
        long length = header(response, "Upload-Length").map(Long::parseLong).orElse(-1L);
        return new UploadStatus(offset, length);
    }

    /**
     * An upload as the server sees it.
     *
     * @param offset bytes stored, or -1 when not reported (a final upload still being assembled)
     * @param length the upload's length, or -1 while deferred
     */
    public record UploadStatus(long offset, long length) {
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    // ---- one upload ----

    /** An upload of a whole source as one TUS upload. */
    private final class SingleUpload {
        private final UploadSource source;
        private final UploadOptions options;
        private final ServerCapabilities caps;
        private final Progress progress;
        private final ChecksumAlgorithm algorithm;

        SingleUpload(UploadSource source, UploadOptions options, ServerCapabilities caps, Progress progress) {
            this.source = source;
            this.options = options;
            this.caps = caps;
            this.progress = progress;
            this.algorithm = checksumFor(caps);
        }

        UploadResult run() throws IOException, InterruptedException {
            long size = source.size();
            if (size < 0 && !caps.supports("creation-defer-length")) {
                throw new TusClientException("the server does not support creation-defer-length: give the stream's size",
                        -1, null, null);
            }
            String fingerprint = urlStore == null ? null : source.fingerprint().orElse(null);
            URI url = null;
            long offset = 0;
            boolean resumed = false;
            if (fingerprint != null) {
                Optional<String> stored = urlStore.get(fingerprint);
                if (stored.isPresent() && !stored.get().startsWith("parallel ")) {
                    URI candidate = URI.create(stored.get());
                    long serverOffset = resumableOffset(candidate, size);
                    if (serverOffset >= 0) {
                        url = candidate;
                        offset = serverOffset;
                        resumed = true;
                    } else {
                        urlStore.remove(fingerprint);
                    }
                }
            }
            StreamReader stream = source instanceof UploadSource.StreamSource s ? new StreamReader(s.in()) : null;
            Progress.Part part = progress.part(offset);
            if (url == null) {
                Created created = create(size, part);
                url = created.url();
                offset = created.offset();
                if (fingerprint != null) {
                    urlStore.put(fingerprint, url.toString());
                }
            }
            options.urlKnown(url);
            part.at(offset);
            progress.started();
            long resumedFrom = resumed ? offset : 0;
            long total = stream != null ? uploadStream(url, offset, size, stream, part) : uploadFile(url, offset, part);
            if (fingerprint != null && removeFingerprintOnSuccess) {
                urlStore.remove(fingerprint);
            }
            return new UploadResult(url, total, resumed, resumedFrom, progress.stats());
        }

        /** Creates the upload, sending the first chunk with the POST when creation-with-upload is on. */
        private Created create(long size, Progress.Part part) throws IOException, InterruptedException {
            Map<String, String> create = new LinkedHashMap<>();
            if (size >= 0) {
                create.put("Upload-Length", Long.toString(size));
            } else {
                create.put("Upload-Defer-Length", "1");
            }
            metadataHeader(options.metadata()).ifPresent(m -> create.put("Upload-Metadata", m));
            boolean withData = creationWithUpload && caps.supports("creation-with-upload") && size != 0
                    && source instanceof UploadSource.FileSource;
            return new Retrying(null, progress).call("POST", () -> {
                if (!withData) {
                    Response response = send("POST", endpoint, create, HttpRequest.BodyPublishers.noBody(), requestTimeout);
                    expect(response, "POST", endpoint, 201);
                    return new Created(location(response), 0);
                }
                UploadSource.FileSource file = (UploadSource.FileSource) source;
                long first = chunkSize > 0 ? Math.min(chunkSize, size) : size;
                Map<String, String> withBody = new LinkedHashMap<>(create);
                withBody.put("Content-Type", OFFSET_STREAM);
                checksumHeader(RangePublisher.file(file.path()), 0, first).ifPresent(c -> withBody.put("Upload-Checksum", c));
                part.at(0);
                Response response = sendData("POST", endpoint, withBody, RangePublisher.file(file.path()), 0, first, part);
                expect(response, "POST", endpoint, 201);
                progress.chunkDone();
                long stored = header(response, "Upload-Offset").map(Long::parseLong).orElse(0L);
                part.at(stored);
                return new Created(location(response), stored);
            });
        }

        private long uploadFile(URI url, long offset, Progress.Part part) throws IOException, InterruptedException {
            UploadSource.FileSource file = (UploadSource.FileSource) source;
            long size = file.size();
            Retrying retrying = new Retrying(url, progress, part);
            long[] at = { offset };
            while (at[0] < size) {
                long start = at[0];
                long length = chunkSize > 0 ? Math.min(chunkSize, size - start) : size - start;
                at[0] = retrying.callResyncing("PATCH", at, () -> {
                    long from = at[0];
                    long count = Math.min(length - (from - start), size - from);
                    Map<String, String> patch = patchHeaders(from);
                    checksumHeader(RangePublisher.file(file.path()), from, count)
                            .ifPresent(c -> patch.put("Upload-Checksum", c));
                    Response response = sendData("PATCH", url, patch, RangePublisher.file(file.path()), from, count, part);
                    expect(response, "PATCH", url, 204);
                    progress.chunkDone();
                    return offsetOf(response, url);
                });
            }
            return size;
        }

        /** Streams are sent in chunks held in memory until acknowledged (a stream cannot be read twice). */
        private long uploadStream(URI url, long offset, long size, StreamReader stream, Progress.Part part)
                throws IOException, InterruptedException {
            long chunk = chunkSize > 0 ? chunkSize : DEFAULT_STREAM_CHUNK;
            if (size == 0) {
                return 0;
            }
            if (offset > 0) {
                stream.skip(offset);
            }
            Retrying retrying = new Retrying(url, progress, part);
            long[] at = { offset };
            while (true) {
                long chunkStart = at[0];
                byte[] data = stream.read((int) Math.min(chunk, size >= 0 ? size - chunkStart : chunk));
                boolean last = size >= 0 ? chunkStart + data.length >= size : data.length < chunk;
                long declared = size >= 0 ? -1 : (last ? chunkStart + data.length : -1);
                if (data.length == 0 && !last && size >= 0) {
                    throw new TusClientException("the stream ended at " + chunkStart + " of " + size + " bytes", -1, url, null);
                }
                at[0] = retrying.callResyncing("PATCH", at, () -> {
                    long from = at[0];
                    if (from < chunkStart || from > chunkStart + data.length) {
                        throw new TusClientException("the server's offset " + from + " is outside the chunk held in memory ["
                                + chunkStart + ", " + (chunkStart + data.length) + "]", -1, url, null);
                    }
                    int skip = (int) (from - chunkStart);
                    byte[] rest = skip == 0 ? data : Arrays.copyOfRange(data, skip, data.length);
                    Map<String, String> patch = patchHeaders(from);
                    if (declared >= 0) {
                        patch.put("Upload-Length", Long.toString(declared));
                    }
                    checksumHeader(RangePublisher.bytes(rest), 0, rest.length).ifPresent(c -> patch.put("Upload-Checksum", c));
                    Response response = sendData("PATCH", url, patch, RangePublisher.bytes(rest), 0, rest.length, part);
                    expect(response, "PATCH", url, 204);
                    progress.chunkDone();
                    return offsetOf(response, url);
                });
                if (last || (size >= 0 && at[0] >= size)) {
                    progress.total(at[0]);
                    return at[0];
                }
            }
        }

        private Optional<String> checksumHeader(RangePublisher.Source data, long from, long count) throws IOException {
            try {
                return algorithm == null ? Optional.empty()
                        : Optional.of(TusClient.checksumHeader(algorithm, data, from, count));
            } finally {
                data.close();
            }
        }
    }

    /** A file uploaded as N partial uploads in parallel, then concatenated by the server into a final upload. */
    private final class ParallelUpload {
        private final UploadSource.FileSource file;
        private final UploadOptions options;
        private final ServerCapabilities caps;
        private final int parts;
        private final Progress progress;

        ParallelUpload(UploadSource.FileSource file, UploadOptions options, ServerCapabilities caps, int parts,
                Progress progress) {
            this.file = file;
            this.options = options;
            this.caps = caps;
            this.parts = parts;
            this.progress = progress;
        }

        UploadResult run() throws IOException, InterruptedException {
            long size = file.size();
            long partSize = (size + parts - 1) / parts;
            List<long[]> ranges = new ArrayList<>();
            for (long start = 0; start < size; start += partSize) {
                ranges.add(new long[] { start, Math.min(partSize, size - start) });
            }
            String fingerprint = urlStore == null ? null : file.fingerprint().orElse(null);
            List<URI> partials = null;
            long[] offsets = new long[ranges.size()];
            boolean resumed = false;
            if (fingerprint != null) {
                Optional<String> stored = urlStore.get(fingerprint);
                if (stored.isPresent() && stored.get().startsWith("parallel ")) {
                    List<URI> candidates = Arrays.stream(stored.get().substring("parallel ".length()).split(" "))
                            .map(URI::create).toList();
                    if (candidates.size() == ranges.size() && resumeOffsets(candidates, ranges, offsets)) {
                        partials = candidates;
                        resumed = true;
                    } else {
                        urlStore.remove(fingerprint);
                    }
                }
            }
            if (partials == null) {
                partials = new ArrayList<>();
                for (long[] range : ranges) {
                    Map<String, String> create = Map.of("Upload-Concat", "partial", "Upload-Length", Long.toString(range[1]));
                    partials.add(new Retrying(null, progress).call("POST", () -> {
                        Response response = send("POST", endpoint, create, HttpRequest.BodyPublishers.noBody(), requestTimeout);
                        expect(response, "POST", endpoint, 201);
                        return location(response);
                    }));
                }
                if (fingerprint != null) {
                    urlStore.put(fingerprint, "parallel " + String.join(" ", partials.stream().map(URI::toString).toList()));
                }
            }
            partials.forEach(options::urlKnown);
            List<Progress.Part> progressParts = new ArrayList<>();
            for (long offset : offsets) {
                progressParts.add(progress.part(offset));
            }
            progress.started();
            List<Future<Void>> running = new ArrayList<>();
            ChecksumAlgorithm algorithm = checksumFor(caps);
            for (int i = 0; i < ranges.size(); i++) {
                long[] range = ranges.get(i);
                URI url = partials.get(i);
                long from = offsets[i];
                Progress.Part part = progressParts.get(i);
                running.add(executor.submit(() -> {
                    uploadRange(url, range[0], range[1], from, algorithm, part);
                    return null;
                }));
            }
            try {
                for (Future<Void> part : running) {
                    part.get();
                }
            } catch (ExecutionException e) {
                running.forEach(f -> f.cancel(true));
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IOException(e.getCause());
            } catch (InterruptedException e) {
                running.forEach(f -> f.cancel(true));
                throw e;
            }
            Map<String, String> create = new LinkedHashMap<>();
            create.put("Upload-Concat", "final;" + String.join(" ", partials.stream().map(URI::toString).toList()));
            metadataHeader(options.metadata()).ifPresent(m -> create.put("Upload-Metadata", m));
            URI finalUrl = new Retrying(null, progress).call("POST", () -> {
                Response response = send("POST", endpoint, create, HttpRequest.BodyPublishers.noBody(), requestTimeout);
                expect(response, "POST", endpoint, 201);
                return location(response);
            });
            options.urlKnown(finalUrl);
            if (fingerprint != null && removeFingerprintOnSuccess) {
                urlStore.remove(fingerprint);
            }
            return new UploadResult(finalUrl, size, resumed, resumed ? Arrays.stream(offsets).sum() : 0, progress.stats());
        }

        private boolean resumeOffsets(List<URI> urls, List<long[]> ranges, long[] offsets)
                throws IOException, InterruptedException {
            for (int i = 0; i < urls.size(); i++) {
                long offset = resumableOffset(urls.get(i), ranges.get(i)[1]);
                if (offset < 0) {
                    return false;
                }
                offsets[i] = offset;
            }
            return true;
        }

        private void uploadRange(URI url, long start, long length, long from, ChecksumAlgorithm algorithm,
                Progress.Part part) throws IOException, InterruptedException {
            Retrying retrying = new Retrying(url, progress, part);
            long[] at = { from };
            while (at[0] < length) {
                long chunkStart = at[0];
                long chunk = chunkSize > 0 ? Math.min(chunkSize, length - chunkStart) : length - chunkStart;
                at[0] = retrying.callResyncing("PATCH", at, () -> {
                    long offset = at[0];
                    long count = Math.min(chunk - (offset - chunkStart), length - offset);
                    Map<String, String> patch = patchHeaders(offset);
                    if (algorithm != null) {
                        RangePublisher.Source data = RangePublisher.file(file.path());
                        try {
                            patch.put("Upload-Checksum", checksumHeader(algorithm, data, start + offset, count));
                        } finally {
                            data.close();
                        }
                    }
                    Response response = sendData("PATCH", url, patch, RangePublisher.file(file.path()), start + offset, count,
                            part);
                    expect(response, "PATCH", url, 204);
                    progress.chunkDone();
                    return offsetOf(response, url);
                });
            }
        }
    }

    /**
     * The offset to resume {@code url} from, or -1 when it cannot be resumed (gone, expired, another length, a
     * different kind of upload).
     */
    private long resumableOffset(URI url, long size) throws IOException, InterruptedException {
        Response response;
        try {
            response = new Retrying(url, null).call("HEAD", () -> {
                Response head = send("HEAD", url, Map.of(), HttpRequest.BodyPublishers.noBody(), requestTimeout);
                if (head.status() >= 500 || head.status() == 423) {
                    expect(head, "HEAD", url, 200, 204);
                }
                return head;
            });
        } catch (TusClientException e) {
            return -1;
        }
        if (response.status() != 200 && response.status() != 204) {
            return -1;
        }
        Optional<Long> offset = header(response, "Upload-Offset").map(Long::parseLong);
        Optional<Long> length = header(response, "Upload-Length").map(Long::parseLong);
        if (offset.isEmpty() || (size >= 0 && length.isPresent() && length.get() != size)) {
            return -1;
        }
        return offset.get();
    }

    // ---- retries ----

    /** Runs requests with the retry policy; counts consecutive failures, resets them on success. */
    private final class Retrying {
        private final URI url;
        private final Progress progress;
        private final Progress.Part part;
        private int failures;

        Retrying(URI url, Progress progress) {
            this(url, progress, null);
        }

        Retrying(URI url, Progress progress, Progress.Part part) {
            this.url = url;
            this.progress = progress;
            this.part = part;
        }

        interface Call<T> {
            T run() throws IOException, InterruptedException;
        }

        <T> T call(String method, Call<T> call) throws IOException, InterruptedException {
            return call(method, call, true);
        }

        /**
         * @param progressOnSuccess whether success ends the run of consecutive failures; not for the HEAD that
         *        re-reads the offset between two failed attempts (otherwise a server that always fails the PATCH
         *        would be retried forever)
         */
        private <T> T call(String method, Call<T> call, boolean progressOnSuccess) throws IOException, InterruptedException {
            while (true) {
                try {
                    T result = call.run();
                    if (progressOnSuccess) {
                        failures = 0;
                    }
                    return result;
                } catch (IOException e) {
                    backOffOrThrow(method, e);
                }
            }
        }

        /**
         * Like {@link #call}, but before each retry re-reads the offset with HEAD into {@code at[0]}, so the next
         * attempt sends from where the server really is.
         */
        long callResyncing(String method, long[] at, Call<Long> call) throws IOException, InterruptedException {
            while (true) {
                try {
                    long result = call.run();
                    failures = 0;
                    part.at(result);
                    return result;
                } catch (IOException e) {
                    backOffOrThrow(method, e);
                    at[0] = call("HEAD", () -> {
                        Response head = send("HEAD", url, Map.of(), HttpRequest.BodyPublishers.noBody(), requestTimeout);
                        expect(head, "HEAD", url, 200, 204);
                        return offsetOf(head, url);
                    }, false);
                    part.at(at[0]);
                }
            }
        }

        private void backOffOrThrow(String method, IOException e) throws IOException, InterruptedException {
            if (Thread.interrupted()) {
                // Interrupted while in I/O that does not throw InterruptedException (a file read): stop, do not retry.
                throw new InterruptedException(method + " interrupted");
            }
            failures++;
            int status = e instanceof TusClientException t ? t.status() : -1;
            RetryPolicy.Failure failure = new RetryPolicy.Failure(method, status, e, failures);
            boolean exhausted = failures > retry.maxRetries();
            if (e instanceof InterruptedIOException || exhausted || !retry.decider().shouldRetry(failure)) {
                if (e instanceof TusClientException && !exhausted) {
                    throw e;
                }
                String reason = failure.reason();
                String gaveUp = exhausted && retry.maxRetries() > 0 ? " (gave up after " + retry.maxRetries() + " retries)"
                        : "";
                URI target = url == null ? endpoint : url;
                throw new TusClientException(method + " " + target + (status > 0 ? " " : " failed: ") + reason + gaveUp,
                        reason, status, url, e);
            }
            if (progress != null) {
                progress.retried();
            }
            Duration delay = retry.delayBefore(failures);
            if (retryListener != null) {
                retryListener.onRetry(failure, delay);
            }
            Thread.sleep(delay.toMillis());
        }
    }

    // ---- HTTP ----

    private record Response(int status, HttpHeaders headers, String body) {
    }

    private record Created(URI url, long offset) {
    }

    /** Sends a request without data, which must be answered within {@code timeout}. */
    private Response send(String method, URI url, Map<String, String> extra, HttpRequest.BodyPublisher body, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = request(method, url, extra, body);
        request.timeout(timeout);
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            if (e instanceof HttpConnectTimeoutException) {
                throw e;
            }
            throw new HttpTimeoutException("no response within " + seconds(timeout));
        }
        return received(method, url, response);
    }

    /**
     * Sends {@code count} bytes of {@code data} from {@code from}. Such a request may take as long as its bytes
     * need, but not sit idle: when the connection has taken no block of the body (at most 1 MiB) and no answer has
     * come for the idle timeout, the request is cancelled (and retried like any I/O error).
     */
    private Response sendData(String method, URI url, Map<String, String> extra, RangePublisher.Source data, long from,
            long count, Progress.Part part) throws IOException, InterruptedException {
        AtomicLong lastActivity = new AtomicLong(System.nanoTime());
        HttpRequest.BodyPublisher body;
        if (count == 0) {
            // An empty append (declaring a stream's length at its end): Content-Length 0.
            data.close();
            body = HttpRequest.BodyPublishers.noBody();
        } else {
            body = HttpRequest.BodyPublishers.fromPublisher(new RangePublisher(data, from, count, executor, bytes -> {
                lastActivity.set(System.nanoTime());
                part.sent(bytes);
            }, rateLimiter), count);
        }
        CompletableFuture<HttpResponse<String>> sent = http.sendAsync(request(method, url, extra, body).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        try {
            while (true) {
                long idleNanos = idleTimeout == null || idleTimeout.isZero() ? Long.MAX_VALUE
                        : idleTimeout.toNanos() - (System.nanoTime() - lastActivity.get());
                if (idleNanos <= 0) {
                    sent.cancel(true);
                    throw new HttpTimeoutException("no progress for " + seconds(idleTimeout) + " (idle timeout)");
                }
                try {
                    return received(method, url,
                            sent.get(Math.min(idleNanos, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS));
                } catch (TimeoutException e) {
                    // check the idle time again
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(cause);
        } catch (InterruptedException e) {
            // Cancelling closes the connection: the server keeps the bytes that arrived.
            sent.cancel(true);
            throw e;
        }
    }

    private HttpRequest.Builder request(String method, URI url, Map<String, String> extra, HttpRequest.BodyPublisher body) {
        boolean override = methodOverride && !method.equals("POST") && !method.equals("GET");
        HttpRequest.Builder request = HttpRequest.newBuilder(url).method(override ? "POST" : method, body);
        if (!method.equals("OPTIONS")) {
            request.setHeader("Tus-Resumable", TUS_VERSION);
        }
        if (override) {
            request.setHeader("X-HTTP-Method-Override", method);
        }
        headers.forEach(request::setHeader);
        extra.forEach(request::setHeader);
        if (requestHook != null) {
            requestHook.beforeRequest(method, url, request);
        }
        return request;
    }

    private Response received(String method, URI url, HttpResponse<String> response) {
        if (responseHook != null) {
            responseHook.afterResponse(method, url, response.statusCode(), response.headers());
        }
        return new Response(response.statusCode(), response.headers(), response.body());
    }

    private static void expect(Response response, String method, URI url, int... expected) throws TusClientException {
        for (int status : expected) {
            if (response.status() == status) {
                return;
            }
        }
        String body = response.body() == null ? "" : response.body().strip();
        String reason = "answered " + response.status()
                + (body.isEmpty() ? "" : ": " + (body.length() > 200 ? body.substring(0, 200) : body));
        throw new TusClientException(method + " " + url + " " + reason, reason, response.status(), url, null);
    }

    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private URI location(Response response) throws TusClientException {
        String location = header(response, "Location")
                .orElseThrow(() -> new TusClientException("201 without Location", response.status(), null, null));
        return endpoint.resolve(location);
    }

    private static long offsetOf(Response response, URI url) throws TusClientException {
        return header(response, "Upload-Offset").map(Long::parseLong)
                .orElseThrow(() -> new TusClientException("response without Upload-Offset", response.status(), url, null));
    }

    private static Optional<String> header(Response response, String name) {
        return response.headers().firstValue(name).map(String::strip);
    }

    private static Map<String, String> patchHeaders(long offset) {
        Map<String, String> patch = new LinkedHashMap<>();
        patch.put("Upload-Offset", Long.toString(offset));
        patch.put("Content-Type", OFFSET_STREAM);
        return patch;
    }

    private ChecksumAlgorithm checksumFor(ServerCapabilities caps) {
        if (!caps.supports("checksum")) {
            return null;
        }
        if (checksumAuto) {
            return caps.checksumAlgorithms().isEmpty() ? null : caps.checksumAlgorithms().get(0);
        }
        return checksum != null && caps.checksumAlgorithms().contains(checksum) ? checksum : null;
    }

    private static String checksumHeader(ChecksumAlgorithm algorithm, RangePublisher.Source data, long from, long count)
            throws IOException {
        java.security.MessageDigest digest = algorithm.newDigest();
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        long done = 0;
        while (done < count) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), count - done));
            int n = data.read(from + done, buffer);
            if (n <= 0) {
                throw new IOException("source ended while computing its checksum");
            }
            buffer.flip();
            digest.update(buffer);
            done += n;
        }
        return algorithm.tusName() + " " + Base64.getEncoder().encodeToString(digest.digest());
    }

    private static Optional<String> metadataHeader(Map<String, String> metadata) {
        if (metadata.isEmpty()) {
            return Optional.empty();
        }
        List<String> pairs = new ArrayList<>();
        metadata.forEach((key, value) -> pairs.add(value.isEmpty() ? key
                : key + " " + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
        return Optional.of(String.join(",", pairs));
    }

    /** Reads a stream in chunks; {@link #skip} fast-forwards to a resumed offset. */
    private static final class StreamReader {
        private final InputStream in;

        StreamReader(InputStream in) {
            this.in = in;
        }

        byte[] read(int max) throws IOException {
            return in.readNBytes(Math.max(0, max));
        }

        void skip(long n) throws IOException {
            in.skipNBytes(n);
        }
    }

    /**
     * Progress of one upload, shared by its requests (thread safe). Bytes sent are counted per part (one for a
     * single upload, one per partial for a parallel one) as the confirmed offset plus what the current request has
     * sent so far; a failed request drops back to the offset the server reports.
     */
    private static final class Progress {
        private final ProgressListener listener;
        private final long intervalNanos;
        private final List<Part> parts = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final AtomicInteger retries = new AtomicInteger();
        private final AtomicInteger chunks = new AtomicInteger();
        private volatile long total;
        private volatile long startNanos = System.nanoTime();
        private volatile long startBytes;
        private volatile long lastReport;

        Progress(long total, ProgressListener listener, Duration interval) {
            this.total = total;
            this.listener = listener;
            this.intervalNanos = interval.toNanos();
        }

        /** A new part starting at {@code offset} (bytes before it count as sent). */
        Part part(long offset) {
            Part part = new Part();
            part.confirmed = offset;
            parts.add(part);
            return part;
        }

        /** Starts the clock; the bytes already on the server do not count towards the speed. */
        void started() {
            startBytes = bytesSent();
            startNanos = System.nanoTime();
            report(false);
        }

        void total(long bytes) {
            total = bytes;
        }

        void chunkDone() {
            chunks.incrementAndGet();
        }

        void retried() {
            retries.incrementAndGet();
        }

        long bytesSent() {
            long sum = 0;
            for (Part part : parts) {
                sum += part.confirmed + part.inflight.get();
            }
            return sum;
        }

        UploadStats stats() {
            long elapsed = System.nanoTime() - startNanos;
            long bytes = bytesSent();
            double speed = elapsed > 0 ? (bytes - startBytes) * 1e9 / elapsed : 0;
            return new UploadStats(bytes, total, speed, Duration.ofNanos(elapsed), retries.get(), chunks.get());
        }

        void report(boolean force) {
            if (listener == null) {
                return;
            }
            long now = System.nanoTime();
            if (!force && now - lastReport < intervalNanos) {
                return;
            }
            lastReport = now;
            listener.onProgress(stats());
        }

        /** One stream of offsets: the confirmed offset and the bytes of the request in flight. */
        final class Part {
            private volatile long confirmed;
            private final AtomicLong inflight = new AtomicLong();

            void sent(long bytes) {
                inflight.addAndGet(bytes);
                report(false);
            }

            /** The server confirmed (or reported) this offset; the request in flight is over. */
            void at(long offset) {
                confirmed = offset;
                inflight.set(0);
            }
        }
    }

    /** Builds a {@link TusClient}; every setting has a default. */
    public static final class Builder {
        private final URI endpoint;
        private HttpClient httpClient;
        private long chunkSize;
        private int parallelUploads = 1;
        private ChecksumAlgorithm checksum;
        private boolean checksumAuto;
        private boolean creationWithUpload;
        private boolean methodOverride;
        private RetryPolicy retry = RetryPolicy.defaults();
        private UrlStore urlStore;
        private boolean removeFingerprintOnSuccess = true;
        private RequestHook requestHook;
        private ResponseHook responseHook;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private RetryPolicy.RetryListener retryListener;
        private Duration progressInterval = Duration.ofMillis(200);
        private long bytesPerSecond;

        /** The endpoint is used exactly as given (some servers refuse {@code /files/} for {@code /files}). */
        private Builder(URI endpoint) {
            this.endpoint = endpoint;
        }

        /** The HTTP client to use (its settings win); by default one is made for HTTP/1.1. */
        public Builder httpClient(HttpClient client) {
            this.httpClient = client;
            return this;
        }

        /**
         * Bytes per PATCH. Default 0: a file goes in one streamed PATCH (fastest; a failure resumes from the
         * server's offset anyway); a stream in chunks of {@link #DEFAULT_STREAM_CHUNK}, each held in memory until
         * acknowledged.
         */
        public Builder chunkSize(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("chunk size must be >= 0");
            }
            this.chunkSize = bytes;
            return this;
        }

        /**
         * Uploads files as this many partial uploads at once, concatenated by the server (needs the
         * concatenation extension; otherwise the file goes as one upload). Default 1.
         */
        public Builder parallelUploads(int parallel) {
            if (parallel < 1) {
                throw new IllegalArgumentException("parallel uploads must be >= 1");
            }
            this.parallelUploads = parallel;
            return this;
        }

        /** Sends Upload-Checksum with this algorithm on every request with data, if the server supports it. */
        public Builder checksum(ChecksumAlgorithm algorithm) {
            this.checksum = algorithm;
            this.checksumAuto = false;
            return this;
        }

        /** Sends Upload-Checksum with the server's first advertised algorithm, if it supports the extension. */
        public Builder checksumAuto() {
            this.checksum = null;
            this.checksumAuto = true;
            return this;
        }

        /** Sends the first chunk in the creation POST when the server supports creation-with-upload. Default off. */
        public Builder creationWithUpload(boolean enabled) {
            this.creationWithUpload = enabled;
            return this;
        }

        /** Sends PATCH, HEAD and DELETE as POST with X-HTTP-Method-Override, for proxies that block them. */
        public Builder methodOverride(boolean enabled) {
            this.methodOverride = enabled;
            return this;
        }

        public Builder retry(RetryPolicy policy) {
            this.retry = policy;
            return this;
        }

        /** Remembers uploads by source fingerprint so a later run resumes them. Default: none. */
        public Builder urlStore(UrlStore store) {
            this.urlStore = store;
            return this;
        }

        /** Whether a completed upload's entry is removed from the store. Default true. */
        public Builder removeFingerprintOnSuccess(boolean remove) {
            this.removeFingerprintOnSuccess = remove;
            return this;
        }

        public Builder beforeRequest(RequestHook hook) {
            this.requestHook = hook;
            return this;
        }

        public Builder afterResponse(ResponseHook hook) {
            this.responseHook = hook;
            return this;
        }

        /** A header sent with every request. */
        public Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Time within which a request without data (OPTIONS, POST, HEAD, DELETE) must be answered. Default 30 s. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /**
         * How long a request with data (PATCH, POST with creation-with-upload) may make no progress: neither a
         * block of its body (at most 1 MiB) taken by the connection nor an answer. Such a request is cancelled and
         * retried from the server's offset, so a server that accepts and never answers cannot hang an upload. A
         * request that keeps sending has no time limit. Default {@link #DEFAULT_IDLE_TIMEOUT}; {@code
         * Duration.ZERO} turns it off. The default tolerates links down to about 17 KiB/s; raise it for slower
         * ones.
         */
        public Builder idleTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("idle timeout must be >= 0");
            }
            this.idleTimeout = timeout;
            return this;
        }

        /** Told about every retry before the client waits for it (e.g. to print it). Default: none. */
        public Builder onRetry(RetryPolicy.RetryListener listener) {
            this.retryListener = listener;
            return this;
        }

        /** How often progress is reported at most. Default 200 ms. */
        public Builder progressInterval(Duration interval) {
            this.progressInterval = interval;
            return this;
        }

        /** Caps the sending rate of all uploads of this client, in bytes per second (0: no cap). */
        public Builder limitRate(long bytesPerSecond) {
            this.bytesPerSecond = bytesPerSecond;
            return this;
        }

        public TusClient build() {
            return new TusClient(this);
        }
    }
}
