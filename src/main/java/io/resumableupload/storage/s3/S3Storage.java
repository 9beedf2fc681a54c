package io.resumableupload.storage.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import io.resumableupload.protocol.DownloadHeaders;
import io.resumableupload.protocol.UploadIds;
import io.resumableupload.storage.AppendSink;
import io.resumableupload.storage.ConcatenatingStorage;
import io.resumableupload.storage.LocatableStorage;
import io.resumableupload.storage.PresigningStorage;
import io.resumableupload.storage.Spool;
import io.resumableupload.storage.StateCalls;
import io.resumableupload.storage.StorageUnavailableException;
import io.resumableupload.storage.UploadBytesLostException;
import io.resumableupload.storage.UploadStorage;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Uploads in one S3 bucket: one multipart upload per upload, completed into {@code <prefix><id>}; tails shorter
 * than a part parked as {@code <prefix><id>.tail.<end offset>}; part ETags and tails recorded in PostgreSQL
 * ({@link S3State}). The layout and every invariant are in the package documentation.
 */
public final class S3Storage implements UploadStorage, ConcatenatingStorage, PresigningStorage, LocatableStorage {

    private static final Logger LOG = Logger.getLogger(S3Storage.class);

    /** S3's smallest part (every part but the last). */
    static final long MIN_PART = 5L * 1024 * 1024;
    /** S3's largest part, and largest UploadPartCopy range. */
    static final long MAX_PART = 5L * 1024 * 1024 * 1024;
    /** S3's most parts in one multipart upload. */
    static final int MAX_PARTS = 10_000;
    private static final long MIB = 1024 * 1024;

    /**
     * The backend's settings.
     *
     * @param partSize the configured part size, at least {@link #MIN_PART}
     * @param maxSize {@code tus.max-size}: sizes the parts of an upload whose length is deferred
     * @param healthTimeout how long the readiness probe waits for the bucket
     * @param partUploads how many parts one append may upload at once
     */
    public record Settings(String bucket, String prefix, long partSize, long maxSize, Path spoolDirectory,
            Duration healthTimeout, int partUploads) {
    }

    private final S3Client s3;
    private final S3Presigner presigner;
    /** Background part uploads; each append bounds how many of them are its own. */
    private final ExecutorService partUploads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "tus-s3-part-upload");
        thread.setDaemon(true);
        return thread;
    });
    private final S3State state;
    private final Settings settings;

    public S3Storage(S3Client s3, S3Presigner presigner, DataSource dataSource, Settings settings) {
        if (settings.partSize() < MIN_PART || settings.partSize() > MAX_PART) {
            throw new IllegalArgumentException("tus.storage.s3.part-size must be between 5M and 5G");
        }
        if (ceilDiv(settings.maxSize(), MAX_PARTS) > MAX_PART) {
            throw new IllegalArgumentException("tus.max-size is larger than an S3 object can be (10,000 parts of 5 GiB)");
        }
        this.s3 = s3;
        this.presigner = presigner;
        this.state = new S3State(dataSource);
        this.settings = settings;
    }

    // ---- keys ----

    @Override
    public Map<String, String> location(String uploadId) {
        return Map.of("Type", "s3store", "Bucket", settings.bucket(), "Key", key(uploadId));
    }

    String key(String uploadId) {
        if (!UploadIds.isValid(uploadId)) {
            throw new IllegalArgumentException("invalid upload id");
        }
        return settings.prefix() + uploadId;
    }

    /** A tail's key: a new one for every end offset, so a tail the committed offset points into is never overwritten. */
    String tailKey(String uploadId, long end) {
        return key(uploadId) + ".tail." + end;
    }

    /** The part size for a new upload: the configured one, raised (in whole MiB) so 10,000 parts hold it. */
    long partSizeFor(Long length) {
        long bound = length != null ? length : settings.maxSize();
        long needed = Math.max(settings.partSize(), ceilDiv(bound, MAX_PARTS));
        return ceilDiv(needed, MIB) * MIB;
    }

    // ---- the SPI ----

    @Override
    public void create(String uploadId, String contentType) throws IOException {
        key(uploadId);
        // No S3 call: the multipart upload starts with the first part. The row carries the Content-Type until then.
        db(() -> state.create(uploadId, objectContentType(contentType)));
    }

    /**
     * The type the object is stored with: the media type and a charset that names a real one. Other parameters are
     * dropped: S3-compatible stores (Jetty in s3proxy) refuse a put whose Content-Type names an unknown charset, and
     * downloads through the server take their headers from the metadata anyway.
     */
    static String objectContentType(String contentType) {
        String[] parts = contentType.split(";");
        StringBuilder type = new StringBuilder(parts[0].strip());
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].split("=", 2);
            if (parameter.length == 2 && parameter[0].strip().equalsIgnoreCase("charset")) {
                String charset = parameter[1].strip().replace("\"", "");
                try {
                    if (Charset.isSupported(charset)) {
                        type.append("; charset=").append(charset);
                    }
                } catch (IllegalCharsetNameException e) {
                    // not a charset: dropped
                }
            }
        }
        return type.toString();
    }

    @Override
    public AppendSink openAppend(String uploadId, long committedOffset, Long length) throws IOException {
        String key = key(uploadId);
        S3State.Upload upload = db(() -> state.find(uploadId)).orElse(null);
        String contentType = upload == null ? DownloadHeaders.FALLBACK_TYPE : upload.contentType();
        // Fixed in the database only when the first part or tail is stored: an upload that arrives whole in one PATCH
        // is a single put and never needs it (one database write less per small upload).
        boolean partSizeFixed = upload != null && upload.partSize() != null;
        long partSize = partSizeFixed ? upload.partSize() : partSizeFor(length);
        if (upload == null) {
            db(() -> state.fixPartSize(uploadId, contentType, partSize));
            partSizeFixed = true;
        }
        Spool spool = new Spool(settings.spoolDirectory());
        try {
            long partStart = committedOffset - committedOffset % partSize;
            S3AppendSink sink = new S3AppendSink(uploadId, contentType, partSize, partSizeFixed, length, spool,
                    partStart, committedOffset, upload == null ? null : upload.multipartId());
            List<Long> staleTails = new ArrayList<>(upload == null ? List.of() : upload.tails());
            if (upload != null && upload.completed()) {
                // finish() completed the object but the compare-and-set did not follow (a crash, a lost lock): the
                // client resends from the committed offset. Start again from the object's bytes below it.
                sink.rebuildFromObject();
                if (committedOffset > partStart) {
                    read(key, partStart, committedOffset - partStart, spool);
                }
            } else if (committedOffset > partStart) {
                if (!staleTails.remove(Long.valueOf(committedOffset))) {
                    throw new UploadBytesLostException("upload " + uploadId + " is at offset " + committedOffset
                            + " but its tail object is not recorded");
                }
                read(tailKey(uploadId, committedOffset), 0, committedOffset - partStart, spool);
            }
            // Every other tail is either covered by the committed offset (superseded) or beyond it (never counted).
            deleteTails(uploadId, staleTails);
            return sink;
        } catch (IOException | RuntimeException e) {
            spool.close();
            throw e;
        }
    }

    @Override
    public void finish(String uploadId, long length) throws IOException {
        String key = key(uploadId);
        S3State.Upload upload = db(() -> state.find(uploadId))
                .orElseThrow(() -> new UploadBytesLostException("upload " + uploadId + " has no S3 state"));
        if (!upload.completed()) {
            if (length == 0) {
                call("storing empty upload " + uploadId, () -> s3.putObject(
                        r -> r.bucket(settings.bucket()).key(key).contentType(upload.contentType()), RequestBody.empty()));
            } else {
                complete(uploadId, key, upload, length);
            }
            db(() -> state.markCompleted(uploadId));
        }
        // The object holds every byte now, those below the committed offset included: no tail is needed any more.
        deleteTails(uploadId, upload.tails());
    }

    private void complete(String uploadId, String key, S3State.Upload upload, long length) throws IOException {
        if (upload.partSize() == null) {
            throw new UploadBytesLostException("upload " + uploadId + " has no bytes to complete");
        }
        long partCount = ceilDiv(length, upload.partSize());
        TreeMap<Integer, String> etags = upload.multipartId() == null ? new TreeMap<>() : db(() -> state.parts(uploadId));
        String multipartId = upload.multipartId();
        if (!etags.containsKey((int) partCount) && upload.tails().contains(length)) {
            // The last bytes are still a tail (the length was declared after they were stored): copy it server-side
            // into the last part, or, for an upload of one part, into the object itself (tusd#1385 loses it).
            String tail = tailKey(uploadId, length);
            if (partCount == 1) {
                call("storing upload " + uploadId, () -> s3.copyObject(r -> r.sourceBucket(settings.bucket()).sourceKey(tail)
                        .destinationBucket(settings.bucket()).destinationKey(key).contentType(upload.contentType())
                        .metadataDirective(MetadataDirective.REPLACE)));
                return;
            }
            if (multipartId == null) {
                multipartId = startMultipart(uploadId, key, upload.contentType());
            }
            String target = multipartId;
            String etag = call("copying the tail of upload " + uploadId,
                    () -> s3.uploadPartCopy(r -> r.sourceBucket(settings.bucket()).sourceKey(tail)
                            .destinationBucket(settings.bucket()).destinationKey(key).uploadId(target)
                            .partNumber((int) partCount)))
                    .copyPartResult().eTag();
            db(() -> state.putPart(uploadId, (int) partCount, etag));
            etags.put((int) partCount, etag);
        }
        if (multipartId == null) {
            throw new UploadBytesLostException("upload " + uploadId + " has no multipart upload to complete");
        }
        String completing = multipartId;
        List<CompletedPart> parts = new ArrayList<>();
        for (int n = 1; n <= partCount; n++) {
            String etag = etags.get(n);
            if (etag == null) {
                throw new IOException("upload " + uploadId + ": part " + n + " of " + partCount + " was never stored");
            }
            parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
        }
        try {
            s3.completeMultipartUpload(r -> r.bucket(settings.bucket()).key(key).uploadId(completing)
                    .multipartUpload(m -> m.parts(parts)));
        } catch (S3Exception e) {
            if (!isNoSuchUpload(e)) {
                throw unavailable("completing upload " + uploadId, e);
            }
            // Completed before (a repeated finish, or one whose state update was lost): the object says so.
            Optional<HeadObjectResponse> head = head(key);
            if (head.isEmpty() || head.get().contentLength() != length) {
                throw new UploadBytesLostException("the multipart upload of " + uploadId + " is gone");
            }
        } catch (SdkException e) {
            throw unavailable("completing upload " + uploadId, e);
        }
    }

    @Override
    public InputStream openRead(String uploadId, long position, long length) throws IOException {
        String key = key(uploadId);
        ResponseInputStream<GetObjectResponse> in = call("reading upload " + uploadId, () -> s3.getObject(
                r -> r.bucket(settings.bucket()).key(key).range("bytes=" + position + "-" + (position + length - 1))));
        return new RangeStream(in, length);
    }

    @Override
    public void delete(String uploadId) throws IOException {
        String key = key(uploadId);
        S3State.Upload upload = db(() -> state.find(uploadId)).orElse(null);
        if (upload != null && upload.multipartId() != null) {
            abort(key, upload.multipartId());
        }
        // A multipart upload created by a process that died before recording it is found by listing.
        for (String stray : strayMultipartUploads(key)) {
            abort(key, stray);
        }
        List<String> keys = new ArrayList<>();
        keys.add(key);
        if (upload != null) {
            upload.tails().forEach(end -> keys.add(tailKey(uploadId, end)));
        }
        deleteObjects(keys);
        db(() -> state.delete(uploadId));
    }

    @Override
    public void checkWritable() throws IOException {
        call("checking bucket " + settings.bucket(), () -> s3.headBucket(r -> r.bucket(settings.bucket())
                .overrideConfiguration(o -> o.apiCallTimeout(settings.healthTimeout()))));
    }

    @Override
    public URI presignDownload(String uploadId, String contentType, String contentDisposition, Duration validity)
            throws IOException {
        String key = key(uploadId);
        try {
            return presigner.presignGetObject(p -> p.signatureDuration(validity).getObjectRequest(g -> g
                    .bucket(settings.bucket()).key(key).responseContentType(contentType)
                    .responseContentDisposition(contentDisposition))).url().toURI();
        } catch (URISyntaxException | SdkException e) {
            throw new StorageUnavailableException("presigning a download of " + uploadId + " failed", e);
        }
    }

    // ---- concatenation ----

    /**
     * Server-side where S3 allows it: a partial of at least 5 MiB is copied with UploadPartCopy (in ranges of at
     * most 5 GiB); partials under 5 MiB, which cannot be parts of their own, stream through a spool into parts of
     * at least 5 MiB. A result under 5 MiB is a single put.
     */
    @Override
    public long concatenate(String finalId, List<String> partialIds) throws IOException {
        String key = key(finalId);
        S3State.Upload upload = db(() -> state.find(finalId)).orElse(null);
        String contentType = upload == null ? DownloadHeaders.FALLBACK_TYPE : upload.contentType();
        if (upload != null && upload.multipartId() != null) {
            abort(key, upload.multipartId());
        }
        Map<String, Long> sizes = new HashMap<>();
        for (String partialId : partialIds) {
            if (!sizes.containsKey(partialId)) {
                long size = head(key(partialId)).orElseThrow(
                        () -> new UploadBytesLostException("partial upload " + partialId + " has no object")).contentLength();
                sizes.put(partialId, size);
            }
        }
        db(() -> state.fixPartSize(finalId, contentType, MIN_PART));
        try (Spool spool = new Spool(settings.spoolDirectory())) {
            Concatenation parts = new Concatenation(finalId, key, contentType, spool);
            long total = 0;
            for (String partialId : partialIds) {
                String source = key(partialId);
                long size = sizes.get(partialId);
                long position = 0;
                if (spool.size() > 0 && size > 0) {
                    long take = Math.min(size, MIN_PART - spool.size());
                    read(source, 0, take, spool);
                    position = take;
                    parts.flushSpoolIfFull();
                }
                long remaining = size - position;
                if (remaining >= MIN_PART) {
                    parts.copy(source, position, remaining);
                } else if (remaining > 0) {
                    read(source, position, remaining, spool);
                    parts.flushSpoolIfFull();
                }
                total += size;
            }
            parts.finish();
            return total;
        }
    }

    /** The parts of one concatenation, numbered in order. */
    private final class Concatenation {
        private final String finalId;
        private final String key;
        private final String contentType;
        private final Spool spool;
        private final List<CompletedPart> parts = new ArrayList<>();
        private String multipartId;

        Concatenation(String finalId, String key, String contentType, Spool spool) {
            this.finalId = finalId;
            this.key = key;
            this.contentType = contentType;
            this.spool = spool;
        }

        void copy(String source, long position, long count) throws IOException {
            int pieces = (int) ceilDiv(count, MAX_PART);
            long piece = ceilDiv(count, pieces);
            for (long at = position; at < position + count; at += piece) {
                long end = Math.min(at + piece, position + count) - 1;
                int number = nextPartNumber();
                String range = "bytes=" + at + "-" + end;
                String etag = call("copying " + source + " into " + finalId,
                        () -> s3.uploadPartCopy(r -> r.sourceBucket(settings.bucket()).sourceKey(source)
                                .copySourceRange(range).destinationBucket(settings.bucket()).destinationKey(key)
                                .uploadId(multipartId).partNumber(number)))
                        .copyPartResult().eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            }
        }

        void flushSpoolIfFull() throws IOException {
            if (spool.size() >= MIN_PART) {
                flushSpool();
            }
        }

        private void flushSpool() throws IOException {
            int number = nextPartNumber();
            long size = spool.size();
            String etag = call("storing part " + number + " of " + finalId,
                    () -> s3.uploadPart(r -> r.bucket(settings.bucket()).key(key).uploadId(multipartId).partNumber(number)
                            .contentLength(size), RequestBody.fromContentProvider(spool::newInputStream, size,
                                    DownloadHeaders.FALLBACK_TYPE)))
                    .eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            spool.clear();
        }

        private int nextPartNumber() throws IOException {
            if (multipartId == null) {
                multipartId = startMultipart(finalId, key, contentType);
            }
            int number = parts.size() + 1;
            if (number > MAX_PARTS) {
                throw new IOException("concatenating " + finalId + " needs more than 10,000 parts");
            }
            return number;
        }

        void finish() throws IOException {
            if (multipartId == null) {
                // Under 5 MiB in all (or nothing): one put.
                long size = spool.size();
                call("storing " + finalId,
                        () -> s3.putObject(r -> r.bucket(settings.bucket()).key(key).contentType(contentType),
                                RequestBody.fromContentProvider(spool::newInputStream, size, contentType)));
            } else {
                if (spool.size() > 0) {
                    flushSpool();
                }
                call("completing " + finalId, () -> s3.completeMultipartUpload(r -> r.bucket(settings.bucket()).key(key)
                        .uploadId(multipartId).multipartUpload(m -> m.parts(parts))));
            }
            db(() -> state.markCompleted(finalId));
        }
    }

    // ---- appends ----

    /**
     * An append: bytes go to the spool; each full part is uploaded (part number = its offset / part size + 1) and its
     * ETag recorded before it counts as durable. The first full part is stored before the next byte is taken (it is
     * where a completed earlier attempt shows up); later ones upload in the background, up to
     * {@code partUploads} at a time, each from its own spool file, while the next part is received. Parts count as
     * durable in order only. {@link #sync()} waits for them, then stores the rest as the last part when it completes
     * the upload, else as a new tail object.
     *
     * <p>
     * When the request's Content-Length says it will fill the part being received, that part also starts uploading
     * at its first byte, streamed from the spool as it grows (a presigned UploadPart over a fixed-length
     * connection), so receiving and uploading overlap. It counts only once S3 acknowledged it, like any part. If the
     * append ends before the part is full, the streamed upload is abandoned (S3 never stores a part shorter than its
     * Content-Length) and the bytes become a tail as usual; if the streamed upload fails otherwise, the full part is
     * uploaded again from the spool through the SDK (with its retries).
     */
    private final class S3AppendSink implements AppendSink {
        private final String uploadId;
        private final String key;
        private final String contentType;
        private final long partSize;
        private boolean partSizeFixed;
        private final Long length;
        /** The part being received. */
        private Spool spool;
        /** The upload offset of the spool's first byte: a part boundary. */
        private long partStart;
        private String multipartId;
        private boolean firstPartStored;
        private boolean lastPartStored;
        /** Parts uploading in the background, oldest first; guarded by {@code this}. */
        private final ArrayDeque<PartUpload> uploading = new ArrayDeque<>();
        private volatile long durable;
        /** Where the request's body will end if it all arrives; -1 when unknown. */
        private long expectedEnd = -1;
        /** Whether the part in {@link #spool} was considered for streaming. */
        private boolean partBegun;
        /** The streamed upload of the part in {@link #spool}, or null. */
        private StreamedPart streaming;

        S3AppendSink(String uploadId, String contentType, long partSize, boolean partSizeFixed, Long length, Spool spool,
                long partStart, long committedOffset, String multipartId) {
            this.uploadId = uploadId;
            this.key = key(uploadId);
            this.contentType = contentType;
            this.partSize = partSize;
            this.partSizeFixed = partSizeFixed;
            this.length = length;
            this.spool = spool;
            this.partStart = partStart;
            this.durable = committedOffset;
            this.multipartId = multipartId;
        }

        @Override
        public void expect(long bytes) {
            expectedEnd = durable + bytes;
        }

        @Override
        public void write(ByteBuffer[] batch) throws IOException {
            for (ByteBuffer buffer : batch) {
                ByteBuffer rest = buffer.duplicate();
                while (rest.hasRemaining()) {
                    if (!partBegun) {
                        beginPart();
                    }
                    int take = (int) Math.min(rest.remaining(), partSize - spool.size());
                    ByteBuffer slice = rest.slice();
                    slice.limit(take);
                    spool.write(slice);
                    rest.position(rest.position() + take);
                    if (spool.size() == partSize) {
                        storeFullPart();
                    }
                }
            }
        }

        @Override
        public long sync() throws IOException {
            awaitUploads(0);
            // The part being received is not full (a full one moved on in write()): its streamed upload cannot
            // succeed, and what arrived is stored below instead.
            abandonStreaming();
            long written = partStart + spool.size();
            if (length != null && written == length) {
                if (!lastPartStored && spool.size() > 0) {
                    if (multipartId == null && partStart == 0) {
                        // The whole upload in one piece: a single put, no multipart upload at all.
                        call("storing upload " + uploadId, () -> s3.putObject(
                                r -> r.bucket(settings.bucket()).key(key).contentType(contentType),
                                RequestBody.fromContentProvider(spool::newInputStream, written, contentType)));
                        db(() -> state.markCompleted(uploadId));
                    } else {
                        uploadSpoolAsPart();
                    }
                    lastPartStored = true;
                }
            } else if (written > durable) {
                // Parked under a new key, recorded first: the tail the committed offset points into stays intact
                // until a later append at a higher committed offset drops it.
                fixPartSize();
                db(() -> state.addTail(uploadId, written));
                call("storing the tail of upload " + uploadId, () -> s3.putObject(
                        r -> r.bucket(settings.bucket()).key(tailKey(uploadId, written)),
                        RequestBody.fromContentProvider(spool::newInputStream, spool.size(), DownloadHeaders.FALLBACK_TYPE)));
            }
            durable = written;
            return written;
        }

        @Override
        public long checkpoint() {
            // Acknowledged parts are the natural durability points; tails are only written by sync().
            return durable;
        }

        private int partNumber() throws IOException {
            long number = partStart / partSize + 1;
            if (number > MAX_PARTS) {
                throw new IOException("upload " + uploadId + " needs more than 10,000 parts");
            }
            return (int) number;
        }

        /**
         * Starts streaming the part about to be received when the request will fill it. Only one part streams at a
         * time (the one being received), within the append's {@code partUploads}. Only the first part of an append:
         * later ones already upload in the background while the next is received, and streaming them too made one
         * long PATCH slower in bench/s3.sh (26-32 MB/s against 50 before). Not the first part of an upload:
         * its multipart upload does not exist yet, and creating it here would hold up the first bytes of the
         * request (a client cut off right after sending them expects them stored at once).
         */
        private void beginPart() throws IOException {
            partBegun = true;
            boolean receivedThenUploaded = !firstPartStored || settings.partUploads() <= 1;
            if (!receivedThenUploaded || multipartId == null || expectedEnd < partStart + partSize
                    || partStart / partSize + 1 > MAX_PARTS) {
                return;
            }
            int number = partNumber();
            Spool part = spool;
            String target = multipartId;
            long epoch = part.epoch();
            streaming = new StreamedPart(part, epoch, CompletableFuture.supplyAsync(() -> {
                try {
                    return streamPart(key, target, number, part.growingInputStream(partSize, epoch), partSize);
                } catch (IOException e) {
                    throw new CompletionException(e);
                }
            }, partUploads));
        }

        /** Gives up the streamed upload of a part that will not be full, and waits until it has ended. */
        private void abandonStreaming() {
            StreamedPart streamed = streaming;
            streaming = null;
            partBegun = false;
            if (streamed != null) {
                streamed.spool().abandon(streamed.epoch());
                streamed.etag().handle((etag, failure) -> null).join();
            }
        }

        /** The ETag S3 gave the streamed part, or null when there was none or it failed (the spool is uploaded then). */
        private String streamedETag(StreamedPart streamed) {
            if (streamed == null) {
                return null;
            }
            try {
                return streamed.etag().join();
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                LOG.debugf("upload %s: streaming a part failed, uploading it from the spool: %s", uploadId,
                        e.getCause() == null ? e : e.getCause());
                return null;
            }
        }

        private void storeFullPart() throws IOException {
            StreamedPart streamed = streaming;
            streaming = null;
            partBegun = false;
            if (!firstPartStored || settings.partUploads() <= 1) {
                String etag = streamedETag(streamed);
                if (etag == null) {
                    uploadSpoolAsPart();
                } else {
                    int number = partNumber();
                    db(() -> state.putPart(uploadId, number, etag));
                    partStart += spool.size();
                    spool.clear();
                    durable = partStart;
                }
                firstPartStored = true;
                return;
            }
            int number = partNumber();
            Spool full = spool;
            String target = multipartId;
            long end = partStart + full.size();
            PartUpload upload = new PartUpload(end, full, CompletableFuture.runAsync(() -> {
                try {
                    String streamedETag = streamedETag(streamed);
                    String etag = streamedETag != null ? streamedETag
                            : call("storing part " + number + " of upload " + uploadId, () -> uploadPart(target, number, full));
                    db(() -> state.putPart(uploadId, number, etag));
                } catch (IOException e) {
                    throw new CompletionException(e);
                }
            }, partUploads));
            synchronized (this) {
                uploading.addLast(upload);
            }
            upload.done().whenComplete((ignored, failure) -> advance());
            partStart = end;
            spool = new Spool(settings.spoolDirectory());
            awaitUploads(settings.partUploads() - 1);
        }

        /** Waits until at most {@code atMost} parts are still uploading; rethrows the failure of any. */
        private void awaitUploads(int atMost) throws IOException {
            while (true) {
                PartUpload oldest;
                synchronized (this) {
                    if (uploading.size() <= atMost) {
                        return;
                    }
                    oldest = uploading.peekFirst();
                }
                try {
                    oldest.done().get();
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
                    throw cause instanceof IOException io ? io : new IOException(cause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while a part was uploading", e);
                }
                advance();
            }
        }

        /** Counts the parts uploaded so far, in order: a gap stops the count. */
        private synchronized void advance() {
            while (!uploading.isEmpty() && uploading.peekFirst().done().isDone()
                    && !uploading.peekFirst().done().isCompletedExceptionally()) {
                PartUpload done = uploading.removeFirst();
                closeQuietly(done.spool());
                durable = done.end();
            }
        }

        /** Records the part size before the first part or tail that depends on it is stored. */
        private void fixPartSize() throws IOException {
            if (!partSizeFixed) {
                long fixed = db(() -> state.fixPartSize(uploadId, contentType, partSize));
                if (fixed != partSize) {
                    throw new IOException("upload " + uploadId + ": part size " + fixed + " was fixed concurrently");
                }
                partSizeFixed = true;
            }
        }

        private void uploadSpoolAsPart() throws IOException {
            int number = partNumber();
            fixPartSize();
            if (multipartId == null) {
                multipartId = startMultipart(uploadId, key, contentType);
            }
            String etag;
            try {
                etag = uploadPart(multipartId, number, spool);
            } catch (S3Exception e) {
                if (!isNoSuchUpload(e)) {
                    throw unavailable("storing part " + number + " of upload " + uploadId, e);
                }
                // Completed by a finish() whose compare-and-set never happened: rebuild, then store the part.
                rebuildFromObject();
                etag = call("storing part " + number + " of upload " + uploadId, () -> uploadPart(multipartId, number, spool));
            } catch (SdkException e) {
                throw unavailable("storing part " + number + " of upload " + uploadId, e);
            }
            String stored = etag;
            db(() -> state.putPart(uploadId, number, stored));
            partStart += spool.size();
            spool.clear();
            durable = partStart;
        }

        /**
         * Uploads a full spool as part {@code number}: first over a connection of our own (256 KiB writes), then,
         * if that fails, through the SDK with its retries. The SDK's transport copies a body in 4 KiB writes, each
         * flushed as a TLS record of its own and read from the spool by a 4 KiB pread: for a 1 GiB PATCH that was
         * 40% of the server's CPU, and a quarter of the extra records fell on the S3 endpoint.
         */
        private String uploadPart(String target, int number, Spool part) {
            long size = part.size();
            try {
                return streamPart(key, target, number, part.newInputStream(), size);
            } catch (IOException e) {
                LOG.debugf("upload %s: part %d over a direct connection failed, retrying through the SDK: %s", uploadId,
                        number, e);
            }
            return s3.uploadPart(r -> r.bucket(settings.bucket()).key(key).uploadId(target).partNumber(number)
                    .contentLength(size), RequestBody.fromContentProvider(part::newInputStream, size,
                            DownloadHeaders.FALLBACK_TYPE))
                    .eTag();
        }

        /**
         * The object {@code key} holds a completed earlier attempt; the bytes below {@link #partStart} are committed
         * and are in it. Starts a new multipart upload whose first parts are server-side copies of them.
         */
        void rebuildFromObject() throws IOException {
            if (head(key).isEmpty()) {
                throw new UploadBytesLostException("upload " + uploadId + " has neither a multipart upload nor an object");
            }
            fixPartSize();
            multipartId = startMultipart(uploadId, key, contentType);
            for (int n = 1; (long) n * partSize <= partStart; n++) {
                int number = n;
                String range = "bytes=" + (n - 1) * partSize + "-" + (n * partSize - 1);
                String etag = call("copying part " + n + " of upload " + uploadId,
                        () -> s3.uploadPartCopy(r -> r.sourceBucket(settings.bucket()).sourceKey(key).copySourceRange(range)
                                .destinationBucket(settings.bucket()).destinationKey(key).uploadId(multipartId)
                                .partNumber(number)))
                        .copyPartResult().eTag();
                db(() -> state.putPart(uploadId, number, etag));
            }
        }

        @Override
        public void close() throws IOException {
            abandonStreaming();
            // Parts still uploading (an append that failed or was cut) finish or fail on their own first: their spool
            // files must not be closed under them.
            List<PartUpload> pending;
            synchronized (this) {
                pending = List.copyOf(uploading);
                uploading.clear();
            }
            for (PartUpload upload : pending) {
                try {
                    upload.done().get();
                } catch (ExecutionException e) {
                    // reported by write() or sync() already, or of no interest to an append that is ending anyway
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                closeQuietly(upload.spool());
            }
            spool.close();
        }
    }

    /** A part uploading in the background from its own spool file; {@code end} is its end offset in the upload. */
    private record PartUpload(long end, Spool spool, CompletableFuture<Void> done) {
    }

    /** A part uploading while it is received; {@code epoch} tells {@link Spool#abandon(long)} which stream to fail. */
    private record StreamedPart(Spool spool, long epoch, CompletableFuture<String> etag) {
    }

    /** How long a streamed part's presigned request stays valid: S3 checks it when the request starts. */
    private static final Duration STREAMED_PART_VALIDITY = Duration.ofMinutes(15);

    /**
     * Uploads part {@code number} from {@code bytes} (a full spool, or one still receiving the part): a presigned
     * UploadPart sent over a connection in fixed-length streaming mode, 256 KiB per write (the SDK's transport writes
     * 4 KiB at a time, each flushed as a TLS record of its own). Returns the ETag; fails if the part is abandoned or
     * S3 refuses it. No retries here: callers fall back to the SDK.
     */
    private String streamPart(String key, String multipartId, int number, InputStream bytes, long size)
            throws IOException {
        URL url;
        Map<String, List<String>> headers;
        try {
            var presigned = presigner.presignUploadPart(p -> p.signatureDuration(STREAMED_PART_VALIDITY)
                    .uploadPartRequest(u -> u.bucket(settings.bucket()).key(key).uploadId(multipartId).partNumber(number)));
            url = presigned.url();
            headers = presigned.signedHeaders();
        } catch (SdkException e) {
            throw new IOException("presigning part " + number + " of " + key + " failed", e);
        }
        HttpURLConnection connection = (HttpURLConnection) url.openConnection();
        boolean ok = false;
        try {
            connection.setRequestMethod("PUT");
            connection.setDoOutput(true);
            connection.setFixedLengthStreamingMode(size);
            connection.setConnectTimeout(30_000);
            connection.setReadTimeout(300_000);
            headers.forEach((name, values) -> {
                if (!name.equalsIgnoreCase("host")) {
                    values.forEach(value -> connection.addRequestProperty(name, value));
                }
            });
            try (InputStream in = bytes; OutputStream out = connection.getOutputStream()) {
                byte[] chunk = new byte[256 * 1024];
                for (int n; (n = in.read(chunk)) >= 0;) {
                    out.write(chunk, 0, n);
                }
            }
            int status = connection.getResponseCode();
            InputStream answer = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            String body = answer == null ? "" : new String(answer.readAllBytes(), StandardCharsets.UTF_8);
            String etag = connection.getHeaderField("ETag");
            if (status != 200 || etag == null) {
                throw new IOException("S3 answered " + status + " to streamed part " + number + " of " + key + ": "
                        + body.substring(0, Math.min(body.length(), 300)));
            }
            ok = true;
            return etag;
        } finally {
            if (!ok) {
                connection.disconnect();
            }
        }
    }

    private static void closeQuietly(Spool spool) {
        try {
            spool.close();
        } catch (IOException e) {
            LOG.debugf("closing a spool file failed: %s", e.getMessage());
        }
    }

    // ---- S3 calls ----

    /** Creates a multipart upload and records it (which forgets the ETags of any earlier one). */
    private String startMultipart(String uploadId, String key, String contentType) throws IOException {
        String multipartId = call("starting a multipart upload for " + uploadId,
                () -> s3.createMultipartUpload(r -> r.bucket(settings.bucket()).key(key).contentType(contentType)))
                .uploadId();
        db(() -> state.startMultipart(uploadId, multipartId));
        return multipartId;
    }

    private void abort(String key, String multipartId) throws IOException {
        try {
            s3.abortMultipartUpload(r -> r.bucket(settings.bucket()).key(key).uploadId(multipartId));
        } catch (S3Exception e) {
            if (!isNoSuchUpload(e)) {
                throw unavailable("aborting the multipart upload of " + key, e);
            }
        } catch (SdkException e) {
            throw unavailable("aborting the multipart upload of " + key, e);
        }
    }

    private List<String> strayMultipartUploads(String key) throws IOException {
        try {
            return s3.listMultipartUploads(r -> r.bucket(settings.bucket()).prefix(key)).uploads().stream()
                    .filter(u -> u.key().equals(key)).map(MultipartUpload::uploadId).toList();
        } catch (S3Exception e) {
            if (e.statusCode() == 501) {
                // Some S3-compatible stores cannot list; the bucket's lifecycle rule remains the backstop.
                return List.of();
            }
            throw unavailable("listing the multipart uploads of " + key, e);
        } catch (SdkException e) {
            throw unavailable("listing the multipart uploads of " + key, e);
        }
    }

    private void deleteTails(String uploadId, List<Long> ends) throws IOException {
        if (ends.isEmpty()) {
            return;
        }
        deleteObjects(ends.stream().map(end -> tailKey(uploadId, end)).toList());
        db(() -> state.removeTails(uploadId, ends));
    }

    /** Deletes objects (missing ones are fine), objects first: their rows go only once they are gone. */
    private void deleteObjects(List<String> keys) throws IOException {
        for (int from = 0; from < keys.size(); from += 1000) {
            List<ObjectIdentifier> batch = keys.subList(from, Math.min(keys.size(), from + 1000)).stream()
                    .map(k -> ObjectIdentifier.builder().key(k).build()).toList();
            var response = call("deleting objects", () -> s3.deleteObjects(
                    r -> r.bucket(settings.bucket()).delete(Delete.builder().objects(batch).quiet(true).build())));
            if (response.hasErrors() && !response.errors().isEmpty()) {
                throw new StorageUnavailableException("deleting " + response.errors().get(0).key() + " failed: "
                        + response.errors().get(0).message(), null);
            }
        }
    }

    private Optional<HeadObjectResponse> head(String key) throws IOException {
        try {
            return Optional.of(s3.headObject(r -> r.bucket(settings.bucket()).key(key)));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw unavailable("reading the size of " + key, e);
        } catch (SdkException e) {
            throw unavailable("reading the size of " + key, e);
        }
    }

    /** Copies {@code count} bytes of {@code key} from {@code position} into the spool. */
    private void read(String key, long position, long count, Spool spool) throws IOException {
        long copied;
        try (InputStream in = s3.getObject(r -> r.bucket(settings.bucket()).key(key)
                .range("bytes=" + position + "-" + (position + count - 1)))) {
            copied = spool.writeFrom(in);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new UploadBytesLostException(key + " is gone");
            }
            throw unavailable("reading " + key, e);
        } catch (SdkException e) {
            throw unavailable("reading " + key, e);
        }
        if (copied != count) {
            throw new UploadBytesLostException(key + " holds fewer bytes than recorded");
        }
    }

    /** Deletes what is left of uploads whose rows are gone (see {@link S3State#orphans}); returns how many. */
    public int reclaimOrphans(Duration minAge) {
        int reclaimed = 0;
        try {
            for (String id : state.orphans(minAge.toSeconds(), 100)) {
                try {
                    delete(id);
                    reclaimed++;
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("reclaiming the objects of deleted upload %s failed; will retry: %s", id, e.getMessage());
                }
            }
        } catch (SQLException e) {
            LOG.warnf("looking for orphaned S3 state failed: %s", e.getMessage());
        }
        return reclaimed;
    }

    private static boolean isNoSuchUpload(S3Exception e) {
        return e.statusCode() == 404 && (e.awsErrorDetails() == null || "NoSuchUpload".equals(e.awsErrorDetails().errorCode())
                || e.awsErrorDetails().errorCode() == null);
    }

    private static StorageUnavailableException unavailable(String what, SdkException e) {
        return new StorageUnavailableException(what + " failed: " + e.getMessage(), e);
    }

    private static <T> T call(String what, Supplier<T> request) throws StorageUnavailableException {
        try {
            return request.get();
        } catch (SdkException e) {
            throw unavailable(what, e);
        }
    }

    private static <T> T db(StateCalls.SqlCall<T> call) throws IOException {
        return StateCalls.db("S3", call);
    }

    private static void db(StateCalls.SqlRun call) throws IOException {
        StateCalls.db("S3", call);
    }

    static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    /** A ranged GET; closed early, the connection is aborted instead of drained. */
    private static final class RangeStream extends InputStream {
        private final ResponseInputStream<GetObjectResponse> in;
        private long remaining;

        RangeStream(ResponseInputStream<GetObjectResponse> in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            if (remaining > 0) {
                in.abort();
            }
            in.close();
        }
    }
}
