package io.resumableupload.upload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.resumableupload.config.TusConfig;
import io.resumableupload.hooks.HookEvent;
import io.resumableupload.hooks.HookOutbox;
import io.resumableupload.hooks.HookResponse;
import io.resumableupload.hooks.HookType;
import io.resumableupload.hooks.Hooks;
import io.resumableupload.hooks.LifecycleEvents;
import io.resumableupload.hooks.RequestInfo;
import io.resumableupload.hooks.UploadCreated;
import io.resumableupload.hooks.UploadExpired;
import io.resumableupload.hooks.UploadFinished;
import io.resumableupload.hooks.UploadInfo;
import io.resumableupload.hooks.UploadTerminated;
import io.resumableupload.lock.LockTimeoutException;
import io.resumableupload.lock.LockUnavailableException;
import io.resumableupload.lock.UploadLock;
import io.resumableupload.lock.UploadLocks;
import io.resumableupload.lock.postgres.PostgresUploadLocks;
import io.resumableupload.persistence.ConcatType;
import io.resumableupload.persistence.LockedUploadRow;
import io.resumableupload.persistence.OutboxEvent;
import io.resumableupload.persistence.UploadRecord;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.protocol.DownloadHeaders;
import io.resumableupload.protocol.TusError;
import io.resumableupload.protocol.TusException;
import io.resumableupload.protocol.TusExtension;
import io.resumableupload.protocol.UploadChecksum;
import io.resumableupload.protocol.UploadConcat;
import io.resumableupload.protocol.UploadIds;
import io.resumableupload.protocol.UploadMetadata;
import io.resumableupload.storage.AppendSink;
import io.resumableupload.storage.ConcatenatingStorage;
import io.resumableupload.storage.LocalFileStorage;
import io.resumableupload.storage.LocatableStorage;
import io.resumableupload.storage.UploadBytesLostException;
import io.resumableupload.storage.UploadStorage;
import io.vertx.core.buffer.Buffer;

/** The protocol engine: every TUS operation, over the repository, the storage and the locks. */
@Singleton
public class UploadService {

    private static final Logger LOG = Logger.getLogger(UploadService.class);

    private final TusConfig config;
    private final UploadRepository repository;
    private final UploadStorage storage;
    private final UploadLocks locks;
    private final UploadIdGenerator ids;
    private final UploadMetrics metrics;
    private final LifecycleEvents events;
    private final Hooks hooks;
    private final HookOutbox outbox;
    private final Clock clock;
    private final List<TusExtension> extensions;
    private final Set<AppendOperation> activeAppends = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;
    /** The largest body {@link #startSmallAppend} takes; 0 for none. */
    private final long smallAppendMaxSize;

    UploadService(TusConfig config, UploadRepository repository, UploadStorage storage, UploadLocks locks,
            UploadIdGenerator ids, UploadMetrics metrics, LifecycleEvents events, Hooks hooks, HookOutbox outbox,
            Clock clock) {
        this.config = config;
        this.repository = repository;
        this.storage = storage;
        this.locks = locks;
        this.ids = ids;
        this.metrics = metrics;
        this.events = events;
        this.hooks = hooks;
        this.outbox = outbox;
        this.clock = clock;
        this.extensions = computeExtensions(config, storage);
        this.smallAppendMaxSize = config.lock().postgres().transactionAppendMaxSize().asLongValue();
        if (locks instanceof PostgresUploadLocks) {
            metrics.countLockGroups(repository::lockGroupsFormed, repository::lockGroupMembers);
        }
    }

    private static List<TusExtension> computeExtensions(TusConfig config, UploadStorage storage) {
        List<TusExtension> list = new ArrayList<>(List.of(TusExtension.CREATION, TusExtension.CREATION_WITH_UPLOAD,
                TusExtension.CREATION_DEFER_LENGTH));
        if (config.termination().enabled()) {
            list.add(TusExtension.TERMINATION);
        }
        if (config.checksum().enabled()) {
            list.add(TusExtension.CHECKSUM);
        }
        if (config.expiration().enabled()) {
            list.add(TusExtension.EXPIRATION);
        }
        if (config.concatenation().enabled() && storage instanceof ConcatenatingStorage) {
            list.add(TusExtension.CONCATENATION);
            if (config.concatenation().unfinished()) {
                list.add(TusExtension.CONCATENATION_UNFINISHED);
            }
        }
        return List.copyOf(list);
    }

    /**
     * Runs {@code task} only if no other replica is running it now (the lock named {@code name} is free), e.g. the
     * expiration sweep. Returns false when it did not run.
     */
    public boolean runExclusively(String name, Runnable task) {
        UploadLock lock;
        try {
            lock = locks.tryAcquire(name);
        } catch (LockUnavailableException e) {
            return false;
        }
        if (lock == null) {
            return false;
        }
        try (lock) {
            task.run();
            return true;
        }
    }

    /** The extensions this server offers with the configured storage, in advertising order. */
    public List<TusExtension> extensions() {
        return extensions;
    }

    public boolean supports(TusExtension extension) {
        return extensions.contains(extension);
    }

    // ---- creation ----

    /**
     * Creates an upload. A zero-length upload is complete at once; a final upload whose partials are all complete
     * is assembled before this returns (if that fails, nothing is created).
     */
    public UploadRecord create(CreateCommand command) {
        UploadRecord upload = createRecord(command);
        announceCreated(upload, command.caller().request());
        return upload;
    }

    /** Creates the upload's row and storage, and assembles a final whose partials are done; fires no event. */
    private UploadRecord createRecord(CreateCommand command) {
        NewUpload created = newUpload(command);
        UploadRecord upload = created.upload();
        String id = upload.id();
        RequestInfo request = command.caller().request();
        boolean complete = upload.finished();
        boolean partialsFinished = created.partialsFinished();
        List<OutboxEvent> written = new ArrayList<>(2);
        addIfSent(written, outboxEvent(HookType.POST_CREATE, upload, request));
        if (complete) {
            addIfSent(written, outboxEvent(HookType.POST_FINISH, upload, request));
        }
        try {
            repository.insert(upload, written);
        } catch (RuntimeException e) {
            deleteBytesQuietly(id);
            throw e;
        }
        if (!written.isEmpty()) {
            outbox.wake();
        }
        if (partialsFinished) {
            UploadRecord assembled;
            try {
                assembled = assemble(id, true, request);
            } catch (IOException e) {
                throw storageFailure("assembling final upload " + id, e);
            } catch (TusException e) {
                // The lock was not to be had (assemble() cleans up every failure after taking it).
                discard(id, request);
                throw e;
            }
            return assembled != null ? assembled : repository.findRecord(id).orElse(upload);
        }
        return upload;
    }

    /**
     * A new upload as its row will be inserted, its storage created: validated, named, passed by the pre-create
     * hook. Nothing is committed yet.
     *
     * @param partialsFinished a final upload whose partials are all complete (to assemble once inserted)
     */
    private record NewUpload(UploadRecord upload, boolean partialsFinished) {
    }

    private NewUpload newUpload(CreateCommand command) {
        requireNotDraining();
        Instant now = clock.instant();
        long maxSize = config.maxSize().asLongValue();
        Long length = command.length();
        ConcatType concatType = null;
        List<String> parts = List.of();
        boolean partialsFinished = false;
        if (command.concat() != null) {
            requireSupported(TusExtension.CONCATENATION);
            if (command.concat() instanceof UploadConcat.Final) {
                concatType = ConcatType.FINAL;
                parts = command.partialIds();
                List<UploadRecord> partials = loadPartials(parts, now, command.caller());
                length = sumLengths(partials, maxSize);
                partialsFinished = partials.stream().allMatch(UploadRecord::finished);
            } else {
                concatType = ConcatType.PARTIAL;
            }
        }
        if (length != null && length > maxSize) {
            throw new TusException(TusError.MAX_SIZE_EXCEEDED,
                    "Upload-Length " + length + " exceeds the maximum upload size of " + maxSize + " bytes");
        }
        String id = ids.newId();
        if (!UploadIds.isValid(id)) {
            // A custom generator produced something we will not use as a key or a file name.
            LOG.errorf("the upload id generator returned an invalid id; nothing was created");
            throw new TusException(TusError.INTERNAL_SERVER_ERROR, "could not create the upload");
        }
        RequestInfo request = command.caller().request();
        UploadMetadata metadata = command.metadata();
        HookResponse decision = hooks.preCreate(new HookEvent(HookType.PRE_CREATE,
                new UploadInfo(id, length, 0, metadata.texts(), concatType == ConcatType.PARTIAL,
                        concatType == ConcatType.FINAL, parts, command.caller().subject(), location(id), now, null,
                        null),
                request));
        if (decision.changeId() != null) {
            id = decision.changeId();
            // A hook's id is validated like a generated one: it becomes a key, a file name and a URL.
            if (!UploadIds.isValid(id) || repository.findRecord(id).isPresent()) {
                LOG.warnf("the pre-create hook chose an id that is invalid or taken; nothing was created");
                throw new TusException(TusError.HOOK_FAILED, "the pre-create hook chose an invalid or taken upload id");
            }
        }
        if (decision.changeMetadata() != null) {
            metadata = decision.changeMetadata().isEmpty() ? UploadMetadata.empty()
                    : UploadMetadata.parse(UploadMetadata.encode(decision.changeMetadata()), Integer.MAX_VALUE);
        }
        boolean complete = concatType != ConcatType.FINAL && length != null && length == 0;
        UploadRecord upload = new UploadRecord(id, length, 0, metadata.raw().orElse(null),
                concatType, command.concat() == null ? null : command.concat().raw(),
                parts, now, complete ? expiryOfFinished(now) : expiryOfUnfinished(concatType, now),
                complete ? now : null, null, null, command.caller().subject());
        try {
            storage.create(id, DownloadHeaders.contentType(metadata.text("filetype").orElse(null)));
            if (complete) {
                storage.finish(id, 0);
            }
        } catch (IOException e) {
            deleteBytesQuietly(id);
            throw storageFailure("creating storage for a new upload", e);
        }
        return new NewUpload(upload, partialsFinished);
    }

    /** Counts a new upload and tells observers, after its row is committed (and, if complete, that too). */
    private void announceCreated(UploadRecord upload, RequestInfo request) {
        metrics.created();
        LOG.debugf("upload %s created, length %s", upload.id(), upload.length());
        events.publish(new UploadCreated(info(upload), request));
        if (upload.finished()) {
            uploadFinished(upload, request);
        }
    }

    private List<UploadRecord> loadPartials(List<String> partialIds, Instant now, Caller caller) {
        Map<String, UploadRecord> byId = new HashMap<>();
        for (UploadRecord record : repository.findRecords(partialIds)) {
            byId.put(record.id(), record);
        }
        List<UploadRecord> partials = new ArrayList<>(partialIds.size());
        for (String partialId : partialIds) {
            UploadRecord partial = byId.get(partialId);
            // Another caller's partial reads exactly as a missing one.
            if (partial == null || !caller.mayAccess(partial)) {
                throw new TusException(TusError.INVALID_CONCAT, "partial upload " + partialId + " not found");
            }
            if (partial.expiredAt(now)) {
                throw new TusException(TusError.INVALID_CONCAT, "partial upload " + partialId + " has expired");
            }
            if (!partial.isPartial()) {
                throw new TusException(TusError.INVALID_CONCAT,
                        "upload " + partialId + " was not created with Upload-Concat: partial");
            }
            if (partial.lengthDeferred()) {
                throw new TusException(TusError.INVALID_CONCAT,
                        "partial upload " + partialId + " has no Upload-Length yet");
            }
            if (!partial.finished() && !supports(TusExtension.CONCATENATION_UNFINISHED)) {
                throw new TusException(TusError.UPLOAD_NOT_FINISHED, "partial upload " + partialId + " is not finished");
            }
            partials.add(partial);
        }
        return partials;
    }

    private static long sumLengths(List<UploadRecord> partials, long maxSize) {
        long sum = 0;
        for (UploadRecord partial : partials) {
            sum += partial.length();
            if (sum > maxSize || sum < 0) {
                throw new TusException(TusError.MAX_SIZE_EXCEEDED,
                        "the partial uploads add up to more than the maximum upload size of " + maxSize + " bytes");
            }
        }
        return sum;
    }

    // ---- head ----

    /**
     * The upload's current state. Unless the upload is complete or a final upload (whose bytes no PATCH can move),
     * it takes the lock first, which makes a stalled PATCH store what it received and let go: the offset reported
     * is never one that is about to change.
     */
    public UploadRecord head(String id) {
        return head(id, Caller.ANYONE);
    }

    /** {@link #head(String)} for a caller, who must be allowed to see the upload (404 otherwise). */
    public UploadRecord head(String id, Caller caller) {
        UploadRecord upload = requireLive(id, clock.instant(), caller);
        preAccess(upload, caller);
        if (upload.finished() || upload.isFinal()) {
            return upload;
        }
        try (UploadLock lock = acquire(id, () -> {
        })) {
            return requireLive(id, clock.instant(), caller);
        }
    }

    /**
     * The upload for a download: it must exist, not be expired, and be complete. On local files its size is checked
     * too (one stat): a file that vanished would otherwise fail in the middle of the response.
     */
    public UploadRecord finishedUpload(String id) {
        return finishedUpload(id, Caller.ANYONE);
    }

    /**
     * {@link #finishedUpload(String)} for a caller, who must be allowed to see the upload, unless it is finished and
     * {@code tus.auth.public-downloads} is on.
     */
    public UploadRecord finishedUpload(String id, Caller caller) {
        UploadRecord upload = requireLive(id, clock.instant(), caller, config.auth().publicDownloads());
        preAccess(upload, caller);
        if (!upload.finished()) {
            throw new TusException(TusError.INCOMPLETE_UPLOAD,
                    "upload has " + upload.offset() + " of " + (upload.length() == null ? "?" : upload.length()) + " bytes");
        }
        if (upload.length() > 0 && storage instanceof LocalFileStorage files) {
            long size;
            try {
                size = Files.size(files.fileOf(id));
            } catch (NoSuchFileException e) {
                size = -1;
            } catch (IOException e) {
                throw storageFailure("reading upload " + id, e);
            }
            if (size < upload.length()) {
                markLost(id, "its file holds " + Math.max(size, 0) + " of " + upload.length() + " bytes");
                throw new TusException(TusError.UPLOAD_LOST);
            }
        }
        return upload;
    }

    // ---- append ----

    /**
     * Appends a request body. Validation and the lock happen here, on the caller's (worker) thread; the body then
     * streams without holding a thread, and the stage completes after the outcome is committed.
     *
     * @throws TusException when the request cannot start (unknown upload, mismatched offset, too large...)
     */
    public CompletionStage<AppendOutcome> append(String id, AppendCommand command, RequestBody body) {
        return append(id, Caller.ANYONE, command, body);
    }

    /** {@link #append(String, AppendCommand, RequestBody)} for a caller, who must own the upload (404 otherwise). */
    public CompletionStage<AppendOutcome> append(String id, Caller caller, AppendCommand command, RequestBody body) {
        if (hooks.hasPreAccess()) {
            // Before the lock: a hook may take its time, and must not hold up a release request.
            preAccess(requireLive(id, clock.instant(), caller), caller);
        }
        return startAppend(id, caller, command, body).thenApply(outcome -> appended(outcome, caller.request()));
    }

    /** After an append's commit and lock release: a finish (pre-finish, then post-finish) or a stop by a hook. */
    private AppendOutcome appended(AppendOutcome outcome, RequestInfo request) {
        if (outcome.error() == TusError.UPLOAD_STOPPED) {
            terminateStopped(outcome.uploadId(), request);
        }
        if (outcome.finished() == null) {
            return outcome;
        }
        Map<String, String> headers = Map.of();
        if (hooks.hasPreFinish()) {
            headers = hooks.preFinish(new HookEvent(HookType.PRE_FINISH, info(outcome.finished()), request));
        }
        uploadFinished(outcome.finished(), request);
        return headers.isEmpty() ? outcome : outcome.withHeaders(headers);
    }

    /** Starts an append; the stage completes once its outcome is committed and the lock released. No events. */
    private CompletionStage<AppendOutcome> startAppend(String id, Caller caller, AppendCommand command,
            RequestBody body) {
        requireNotDraining();
        if (!UploadIds.isValid(id)) {
            throw new TusException(TusError.UPLOAD_NOT_FOUND);
        }
        // Lock first, then read once: what we read cannot change until we let go.
        CompletionStage<AppendOutcome> small = startSmallAppend(id, caller, command, body);
        if (small != null) {
            return small;
        }
        ReleaseRelay relay = new ReleaseRelay();
        UploadLock lock = acquire(id, relay::request);
        try {
            return startAppend(requireLive(id, clock.instant(), caller), lock, relay, caller, command, body,
                    committedBy(id));
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Offset commits of an append holding a lock of the lock backend: one autocommit statement each. */
    private OffsetCommits committedBy(String id) {
        return (from, to, declaredLength, expiresAt, finishedAt, event) -> repository.compareAndSetOffset(id, from, to,
                declaredLength, expiresAt, finishedAt, event);
    }

    /**
     * An append with a small body ({@code tus.lock.postgres.transaction-append-max-size}) to a local file, with the
     * PostgreSQL locks: the upload's lock is taken as a transaction-level advisory lock in the round trip that reads
     * the row, and ends with the commit of the new offset ({@link UploadRepository#tryLockRow}): two round trips
     * instead of the four of a lock session (lock, read, compare-and-set, unlock). Null when that does not apply or
     * the lock is busy: the caller then takes the usual path, which asks the holder to let go and waits.
     */
    private CompletionStage<AppendOutcome> startSmallAppend(String id, Caller caller, AppendCommand command,
            RequestBody body) {
        if (!(locks instanceof PostgresUploadLocks postgresLocks) || !(storage instanceof LocalFileStorage)
                || smallAppendMaxSize <= 0 || command.contentLength() < 0
                || command.contentLength() > smallAppendMaxSize) {
            return null;
        }
        long start = System.nanoTime();
        ReleaseRelay relay = new ReleaseRelay();
        UploadLock inProcess = postgresLocks.tryAcquireInProcess(id, relay::request);
        if (inProcess == null) {
            return null;
        }
        LockedUploadRow row;
        try {
            row = repository.tryLockRow(id, PostgresUploadLocks.key(id), body.wholeBodyArrived()).orElse(null);
        } catch (RuntimeException e) {
            inProcess.close();
            throw e;
        }
        if (row == null) {
            inProcess.close();
            return null;
        }
        metrics.lockAcquired(Duration.ofNanos(System.nanoTime() - start));
        metrics.appendTransactionLock();
        TransactionUploadLock lock = new TransactionUploadLock(row, inProcess, config.lock().postgres().heartbeat());
        try {
            return startAppend(checkLive(row.record(), clock.instant(), caller, false), lock, relay, caller, command,
                    body, lock);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Starts the append of a creation-with-upload to the upload it just created. When no hook has learnt the new id,
     * nobody but this request can address the upload until its response names it: no other request can lock, read
     * or write it, so the lock round trips and the read of the row it just wrote are skipped (4 of the 6 statements a
     * small creation-with-upload cost). Otherwise it is an append like any other. The reaper, which skips uploads whose
     * lock is held, does not see this one as busy; it could only expire it if its expiry passed while the body still
     * streams, and the append slides the expiry at half time as bytes arrive (24 h by default) while the idle timeout
     * (60 s) ends a stalled body long before.
     */
    private CompletionStage<AppendOutcome> startFirstAppend(UploadRecord created, Caller caller, AppendCommand command,
            RequestBody body) {
        if (hooks.revealsNewIds()) {
            return startAppend(created.id(), caller, command, body);
        }
        requireNotDraining();
        UploadLock lock = new UnpublishedUploadLock(created.id());
        try {
            return startAppend(created, lock, new ReleaseRelay(), caller, command, body, committedBy(created.id()));
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** The lock of an upload only its creating request knows about: held until closed, never contended. */
    private static final class UnpublishedUploadLock implements UploadLock {
        private final String uploadId;
        private volatile boolean closed;

        UnpublishedUploadLock(String uploadId) {
            this.uploadId = uploadId;
        }

        @Override
        public String uploadId() {
            return uploadId;
        }

        @Override
        public boolean isHeld() {
            return !closed;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Starts an append under {@code lock} to {@code upload} as read under it; the caller closes the lock on failure. */
    private CompletionStage<AppendOutcome> startAppend(UploadRecord upload, UploadLock lock, ReleaseRelay relay,
            Caller caller, AppendCommand command, RequestBody body, OffsetCommits commits) {
        String id = upload.id();
        if (upload.isFinal()) {
            throw new TusException(TusError.MODIFY_FINAL, "cannot append to a final upload");
        }
        if (upload.offset() != command.offset()) {
            throw new TusException(TusError.MISMATCHED_OFFSET,
                    "Upload-Offset is " + command.offset() + " but the upload is at " + upload.offset());
        }
        Long length = checkDeclaredLength(upload, command.declaredLength());
        long maxSize = config.maxSize().asLongValue();
        long allowance = length != null ? length - upload.offset() : maxSize - upload.offset();
        if (command.contentLength() > allowance) {
            throw length != null
                    ? new TusException(TusError.UPLOAD_SIZE_EXCEEDED, "Content-Length " + command.contentLength()
                            + " goes past the upload's length: " + allowance + " bytes remain")
                    : new TusException(TusError.MAX_SIZE_EXCEEDED, "Content-Length " + command.contentLength()
                            + " goes past the maximum upload size: " + allowance + " bytes remain");
        }
        AppendSink sink;
        try {
            sink = upload.finished() ? new FinishedUploadSink(upload.offset())
                    : storage.openAppend(id, upload.offset(), length);
        } catch (UploadBytesLostException e) {
            markLost(id, e.getMessage());
            throw new TusException(TusError.UPLOAD_LOST);
        } catch (IOException e) {
            throw storageFailure("opening storage for upload " + id, e);
        }
        if (command.contentLength() >= 0) {
            sink.expect(command.contentLength());
        }
        TusConfig.Patch patch = config.patch();
        // A declared length is saved with the request's last commit, never when the request is refused.
        Long declaring = upload.length() == null ? command.declaredLength() : null;
        AppendOperation operation = new AppendOperation(this, upload, caller.request(), length, declaring, lock,
                commits, sink, allowance,
                command.checksum(), body, patch.idleTimeout(), patch.maxBufferedBytes().asLongValue(),
                patch.checkpointInterval().asLongValue(), patch.releaseDrain());
        activeAppends.add(operation);
        metrics.appendStarted();
        relay.attach(operation);
        if (draining) {
            operation.requestStop(AppendOperation.Stop.SHUTDOWN);
        }
        return operation.start();
    }

    /**
     * Creates an upload and appends the request's body to it (creation-with-upload). A body that cannot fit is
     * rejected before anything is created; a body that fails (too long, checksum mismatch, storage failure) leaves
     * no upload behind, and no event or meter counts it. An interrupted body keeps what arrived, like any append.
     */
    public CompletionStage<CreatedUpload> createWithBody(CreateCommand create, UploadChecksum checksum,
            long contentLength, RequestBody body) {
        requireSupported(TusExtension.CREATION_WITH_UPLOAD);
        if (create.concat() instanceof UploadConcat.Final) {
            throw new TusException(TusError.MODIFY_FINAL, "a final upload cannot carry a body");
        }
        long maxSize = config.maxSize().asLongValue();
        if (create.length() != null && contentLength > create.length()) {
            throw new TusException(TusError.UPLOAD_SIZE_EXCEEDED,
                    "Content-Length " + contentLength + " is larger than Upload-Length " + create.length());
        }
        if (contentLength > maxSize) {
            throw new TusException(TusError.MAX_SIZE_EXCEEDED,
                    "Content-Length " + contentLength + " exceeds the maximum upload size of " + maxSize + " bytes");
        }
        if (storage instanceof LocalFileStorage && !hooks.revealsNewIds()) {
            Buffer[] whole = body.takeWholeBody(contentLength);
            if (whole != null) {
                return CompletableFuture.completedFuture(createWithBodyInHand(create, checksum, whole));
            }
        }
        UploadRecord upload = createRecord(create);
        CompletionStage<AppendOutcome> appended;
        try {
            appended = startFirstAppend(upload, create.caller(), new AppendCommand(0, null, checksum, contentLength),
                    body);
        } catch (RuntimeException e) {
            discard(upload.id(), create.caller().request());
            throw e;
        }
        RequestInfo request = create.caller().request();
        return appended.thenApply(outcome -> {
            if (!outcome.complete() && !keepsWhatArrived(outcome.error())) {
                if (outcome.error() != TusError.UPLOAD_STOPPED) {
                    discard(upload.id(), request);
                }
                return new CreatedUpload(upload, appended(outcome, request), true);
            }
            announceCreated(upload, request);
            return new CreatedUpload(upload, appended(outcome, request), false);
        });
    }

    /**
     * A creation-with-upload whose whole body was read ahead, to a local file, when no hook learns the new id: the
     * bytes are written and made durable first, then the row is inserted with its offset after them, in one
     * statement and one commit (against an INSERT, then an UPDATE with its own commit). Nobody can address the
     * upload before its row exists, so no lock is needed. A crash between the fsync and the commit leaves a file
     * without a row, which {@code FileSystemReclaimer} deletes; a failure before the commit deletes it at once. A
     * body that fails its checksum creates nothing.
     */
    private CreatedUpload createWithBodyInHand(CreateCommand create, UploadChecksum checksum, Buffer[] body) {
        NewUpload created = newUpload(create);
        UploadRecord upload = created.upload();
        String id = upload.id();
        RequestInfo request = create.caller().request();
        ByteBuffer[] bytes = new ByteBuffer[body.length];
        long size = 0;
        for (int i = 0; i < body.length; i++) {
            bytes[i] = body[i].getByteBuf().nioBuffer();
            size += bytes[i].remaining();
        }
        metrics.bytesArrived(size);
        metrics.appendReadAhead();
        if (checksum != null) {
            MessageDigest digest = checksum.algorithm().newDigest();
            for (ByteBuffer buffer : bytes) {
                digest.update(buffer.duplicate());
            }
            if (!MessageDigest.isEqual(digest.digest(), checksum.expectedDigest())) {
                metrics.checksumMismatch();
                return new CreatedUpload(upload, new AppendOutcome(id, 0, null, TusError.CHECKSUM_MISMATCH,
                        checksum.algorithm().tusName() + " of the request body does not match Upload-Checksum", true,
                        null), true);
            }
        }
        Long length = upload.length();
        boolean finishing = length != null && size == length;
        Instant now = clock.instant();
        Instant expiresAt = expiryAfterAppend(finishing, now);
        UploadRecord stored = upload.withProgress(length, size, expiresAt, finishing ? now : null);
        List<OutboxEvent> written = new ArrayList<>(1);
        long start = System.nanoTime();
        metrics.creationInOneCommit();
        metrics.appendStarted();
        try {
            storeAndInsert(stored, bytes, size, finishing, written, request);
        } finally {
            metrics.appendEnded(Duration.ofNanos(System.nanoTime() - start));
        }
        if (!written.isEmpty()) {
            outbox.wake();
        }
        metrics.bytesReceived(size);
        announceCreated(upload, request);
        AppendOutcome outcome = new AppendOutcome(id, size, expiresAt, null, null, true, finishing ? stored : null);
        return new CreatedUpload(upload, appended(outcome, request), false);
    }

    /** Writes and syncs the body of a new upload, then inserts its row; the file goes again when either fails. */
    private void storeAndInsert(UploadRecord stored, ByteBuffer[] bytes, long size, boolean finishing,
            List<OutboxEvent> written, RequestInfo request) {
        String id = stored.id();
        try {
            try (AppendSink sink = storage.openAppend(id, 0, stored.length())) {
                sink.expect(size);
                sink.write(bytes);
                long durable = sink.sync();
                if (durable != size) {
                    throw new IOException("storage reports " + durable + " bytes durable after " + size + " were written");
                }
            }
            if (finishing) {
                storage.finish(id, size);
                addIfSent(written, outboxEvent(HookType.POST_FINISH, stored, request));
            }
        } catch (IOException e) {
            deleteBytesQuietly(id);
            throw storageFailure("storing the body of a new upload", e);
        }
        try {
            repository.insert(stored, written);
        } catch (RuntimeException e) {
            deleteBytesQuietly(id);
            throw e;
        }
    }

    /** Errors of a body that was cut off (the client, a newer request, shutdown): what arrived is kept. */
    private static boolean keepsWhatArrived(TusError error) {
        return switch (error) {
            case UPLOAD_INTERRUPTED, READ_TIMEOUT, SERVER_SHUTDOWN, UNEXPECTED_EOF -> true;
            default -> false;
        };
    }

    /**
     * The result of a creation-with-upload.
     *
     * @param discarded true when the body failed and the new upload was deleted again
     */
    public record CreatedUpload(UploadRecord upload, AppendOutcome append, boolean discarded) {
    }

    /**
     * Deletes an upload this server just created and could not fill or assemble. No CDI event; the HTTP hook, which
     * was sent post-create from the outbox, is sent post-terminate, so that its receiver never keeps a ghost.
     */
    private void discard(String id, RequestInfo request) {
        try {
            OutboxEvent event = null;
            if (hooks.sends(HookType.POST_CREATE) && hooks.sends(HookType.POST_TERMINATE)) {
                event = repository.findRecord(id).map(u -> outboxEvent(HookType.POST_TERMINATE, u, request)).orElse(null);
            }
            if (repository.deleteAndScheduleBytes(id, clock.instant(), event)) {
                wakeIf(event);
                deleteScheduledBytes(id);
            }
        } catch (RuntimeException e) {
            LOG.warnf("removing the failed new upload %s failed: %s", id, e.getMessage());
        }
    }

    /**
     * Checks an Upload-Length sent with an append; returns the upload's length including it (null if deferred). It is
     * stored by the append's last commit, not here: a refused request must not leave it behind.
     */
    private Long checkDeclaredLength(UploadRecord upload, Long declared) {
        Long length = upload.length();
        if (declared == null) {
            return length;
        }
        if (length != null) {
            if (length.longValue() != declared) {
                throw new TusException(TusError.INVALID_UPLOAD_LENGTH,
                        "Upload-Length is already " + length + " and cannot change");
            }
            return length;
        }
        if (!supports(TusExtension.CREATION_DEFER_LENGTH)) {
            throw new TusException(TusError.NOT_IMPLEMENTED, "creation-defer-length is not supported");
        }
        if (declared < upload.offset()) {
            throw new TusException(TusError.INVALID_UPLOAD_LENGTH,
                    "Upload-Length " + declared + " is smaller than the offset " + upload.offset());
        }
        long maxSize = config.maxSize().asLongValue();
        if (declared > maxSize) {
            throw new TusException(TusError.MAX_SIZE_EXCEEDED,
                    "Upload-Length " + declared + " exceeds the maximum upload size of " + maxSize + " bytes");
        }
        return declared;
    }

    void appendEnded(AppendOperation operation, Duration duration) {
        if (activeAppends.remove(operation)) {
            metrics.appendEnded(duration);
        }
    }

    /**
     * An upload became complete, its state committed and its lock released: counts it, tells observers and assembles
     * the finals waiting for it. Called once per upload, by the request whose commit completed it.
     */
    private void uploadFinished(UploadRecord upload, RequestInfo request) {
        metrics.finished();
        events.publish(new UploadFinished(info(upload), request));
        if (upload.isPartial()) {
            for (String finalId : repository.findFinalsWaitingOn(upload.id())) {
                assembleIfReady(finalId, request);
            }
        }
    }

    Instant expiryAfterAppend(boolean finishing, Instant now) {
        return finishing ? expiryOfFinished(now) : expiryOfUnfinished(null, now);
    }

    private Instant expiryOfUnfinished(ConcatType concatType, Instant now) {
        // A final upload receives no PATCH; it lives as long as its partials (expiring one cascades to it).
        if (!config.expiration().enabled() || concatType == ConcatType.FINAL) {
            return null;
        }
        return now.plus(config.expiration().unfinishedAfter());
    }

    private Instant expiryOfFinished(Instant now) {
        return config.expiration().finishedAfter().map(now::plus).orElse(null);
    }

    /**
     * When an append still streaming into an upload that expires at {@code expiresAt} must slide its expiry (half the
     * sliding window before it), so that an upload receiving bytes never expires under it; null for never.
     */
    Instant slideExpiryAt(Instant expiresAt) {
        return expiresAt == null ? null : expiresAt.minus(config.expiration().unfinishedAfter().dividedBy(2));
    }

    Clock clock() {
        return clock;
    }

    UploadMetrics metrics() {
        return metrics;
    }

    UploadStorage storage() {
        return storage;
    }

    UploadRepository repository() {
        return repository;
    }

    // ---- concatenation ----

    /**
     * Assembles a final upload if all its partials are complete; a no-op otherwise or if it already is. Safe to
     * call repeatedly and concurrently: the final's lock and its finished flag make it happen once. A final that can
     * never complete (a partial deleted, expired or lost, or its assembly short of bytes) is given up: expired, or
     * marked lost. Failures that may pass (a full or unreachable storage) are logged in one line and left to the
     * reaper's next sweep. Never throws.
     */
    public void assembleIfReady(String finalId) {
        assembleIfReady(finalId, RequestInfo.NONE);
    }

    private void assembleIfReady(String finalId, RequestInfo request) {
        try {
            UploadRecord finalUpload = repository.findRecord(finalId).orElse(null);
            if (finalUpload == null || finalUpload.finished() || finalUpload.expiredAt() != null) {
                return;
            }
            Partials partials = partials(finalUpload);
            if (partials == Partials.NEVER) {
                if (repository.expireNowAndScheduleBytes(finalId, clock.instant())) {
                    LOG.infof("final upload %s can never complete (a partial is gone); it expired", finalId);
                    deleteScheduledBytes(finalId);
                }
                return;
            }
            if (partials == Partials.READY) {
                UploadRecord assembled = assemble(finalId, false, request);
                if (assembled != null) {
                    uploadFinished(assembled, request);
                }
            }
        } catch (UploadBytesLostException e) {
            // Already marked lost, and logged, by assemble().
        } catch (IOException | TusException e) {
            LOG.warnf("assembling final upload %s failed, the reaper will retry: %s", finalId, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf("assembling final upload %s failed, the reaper will retry: %s", finalId, e.toString());
            LOG.debugf(e, "assembling final upload %s", finalId);
        }
    }

    /**
     * Assembles a final upload under its lock. Returns the final as this call finished it, or null when there is
     * nothing to do (gone, already finished, partials not ready). When the bytes come up short (a partial lost its
     * bytes), the final is marked lost, or, while being created ({@code creating}), removed again; any other failure
     * during creation removes it too, so a failed creation leaves no trace. Both happen under the lock, so no other
     * assembly can run between the failure and the cleanup.
     */
    private UploadRecord assemble(String finalId, boolean creating, RequestInfo request) throws IOException {
        try (UploadLock lock = acquire(finalId, () -> {
        })) {
            UploadRecord finalUpload = repository.findRecord(finalId).orElse(null);
            if (finalUpload == null || finalUpload.finished() || finalUpload.expiredAt() != null
                    || partials(finalUpload) != Partials.READY) {
                return null;
            }
            try {
                long written = ((ConcatenatingStorage) storage).concatenate(finalId, finalUpload.concatParts());
                if (written != finalUpload.length()) {
                    throw new UploadBytesLostException("final upload " + finalId + " assembled " + written + " of "
                            + finalUpload.length() + " bytes: a partial upload's stored bytes are missing");
                }
                storage.finish(finalId, written);
                Instant now = clock.instant();
                Instant expiresAt = expiryOfFinished(now);
                UploadRecord finished = finalUpload.withProgress(written, written, expiresAt, now);
                OutboxEvent event = outboxEvent(HookType.POST_FINISH, finished, request);
                if (lock.isHeld() && repository.finishFinal(finalId, written, expiresAt, now, event)) {
                    wakeIf(event);
                    return finished;
                }
                return null;
            } catch (IOException | RuntimeException e) {
                if (creating) {
                    discard(finalId, request);
                } else if (e instanceof UploadBytesLostException) {
                    markLost(finalId, e.getMessage());
                }
                throw e;
            }
        }
    }

    private enum Partials {
        /** Every partial is finished: the final can be assembled. */
        READY,
        /** Some partial is still receiving bytes. */
        WAITING,
        /** A partial was deleted, expired or lost: the final can never complete. */
        NEVER
    }

    private Partials partials(UploadRecord finalUpload) {
        Set<String> distinct = new LinkedHashSet<>(finalUpload.concatParts());
        List<UploadRecord> partials = repository.findRecords(List.copyOf(distinct));
        if (partials.size() < distinct.size() || partials.stream().anyMatch(p -> p.expiredAt() != null)) {
            return Partials.NEVER;
        }
        return partials.stream().allMatch(UploadRecord::finished) ? Partials.READY : Partials.WAITING;
    }

    // ---- lost bytes ----

    /**
     * The storage lost bytes that {@code id}'s offset counts: the upload becomes a tombstone answering 410
     * ERR_UPLOAD_LOST (counted and logged once), what is left of its bytes is deleted, and finals waiting for it are
     * lost too. Called while holding the upload's lock, except for finished uploads (nothing writes them).
     */
    void markLost(String id, String reason) {
        if (!repository.markLostAndScheduleBytes(id, clock.instant())) {
            return;
        }
        metrics.lost();
        LOG.warnf("upload %s lost its stored bytes and answers 410 ERR_UPLOAD_LOST from now on: %s", id, reason);
        deleteScheduledBytes(id);
        for (String finalId : repository.findFinalsWaitingOn(id)) {
            markLost(finalId, "its partial upload " + id + " lost its bytes");
        }
    }

    // ---- termination ----

    /** Deletes an upload (termination); a PATCH in flight is asked to stop first. */
    public void terminate(String id) {
        terminate(id, Caller.ANYONE);
    }

    /** {@link #terminate(String)} for a caller, who must own the upload (404 otherwise). */
    public void terminate(String id, Caller caller) {
        requireSupported(TusExtension.TERMINATION);
        UploadRecord upload = requireLive(id, clock.instant(), caller);
        if (upload.finished() && !config.termination().finishedUploads()) {
            throw new TusException(TusError.TERMINATION_REJECTED, "finished uploads cannot be terminated");
        }
        preAccess(upload, caller);
        hooks.preTerminate(new HookEvent(HookType.PRE_TERMINATE, info(upload), caller.request()));
        if (!delete(upload, caller.request())) {
            throw new TusException(TusError.UPLOAD_NOT_FOUND);
        }
    }

    /** A post-receive hook stopped the upload: it is deleted, as tusd does (no pre-terminate, it is the server's call). */
    private void terminateStopped(String id, RequestInfo request) {
        try {
            repository.findRecord(id).ifPresent(upload -> delete(upload, request));
        } catch (RuntimeException e) {
            LOG.warnf("upload %s was stopped by a hook, but deleting it failed: %s", id, e.toString());
        }
    }

    /**
     * Deletes an upload under its lock (and the finals waiting for it), then counts it and tells observers; false
     * when it was already gone. The row goes, its bytes are recorded as pending deletion and its post-terminate
     * event is written in one transaction: if the storage cannot delete them now (read-only, unreachable), the
     * reaper retries; they are never orphaned.
     */
    private boolean delete(UploadRecord upload, RequestInfo request) {
        String id = upload.id();
        try (UploadLock lock = acquire(id, () -> {
        })) {
            Instant now = clock.instant();
            OutboxEvent event = outboxEvent(HookType.POST_TERMINATE, upload, request);
            if (!repository.deleteAndScheduleBytes(id, now, event)) {
                return false;
            }
            wakeIf(event);
            deleteScheduledBytes(id);
            // A final upload still waiting for this partial can never complete.
            for (String finalId : repository.findFinalsWaitingOn(id)) {
                OutboxEvent finalEvent = hooks.sends(HookType.POST_TERMINATE)
                        ? repository.findRecord(finalId).map(f -> outboxEvent(HookType.POST_TERMINATE, f, request))
                                .orElse(null)
                        : null;
                if (repository.deleteAndScheduleBytes(finalId, now, finalEvent)) {
                    wakeIf(finalEvent);
                    deleteScheduledBytes(finalId);
                }
            }
        }
        metrics.terminated();
        events.publish(new UploadTerminated(info(upload), request));
        return true;
    }

    // ---- expiration ----

    /**
     * Reclaims an upload whose expiry has passed: leaves a tombstone (so it answers 410) and deletes its bytes.
     * Skips uploads that are no longer due, and uploads whose lock is held: an append in progress (on any replica)
     * is never interrupted, and slides the expiry itself while it streams.
     *
     * @return true when the upload was expired by this call
     */
    public boolean expire(String id) {
        Instant now = clock.instant();
        UploadRecord expired;
        UploadLock lock;
        try {
            lock = locks.tryAcquire(id);
        } catch (LockUnavailableException e) {
            return false;
        }
        if (lock == null) {
            return false;
        }
        try (lock) {
            UploadRecord upload = repository.findRecord(id).orElse(null);
            if (upload == null || upload.expiredAt() != null || !upload.expiredAt(now)) {
                return false;
            }
            expired = upload;
            OutboxEvent event = outboxEvent(HookType.POST_EXPIRE, upload, RequestInfo.NONE);
            if (!repository.expireAndScheduleBytes(id, now, event)) {
                return false;
            }
            wakeIf(event);
            deleteScheduledBytes(id);
            for (String finalId : repository.findFinalsWaitingOn(id)) {
                if (repository.expireNowAndScheduleBytes(finalId, now)) {
                    deleteScheduledBytes(finalId);
                }
            }
        }
        metrics.expired();
        events.publish(new UploadExpired(info(expired)));
        return true;
    }

    /**
     * Deletes bytes whose deletion could not be done at once (see {@link UploadRepository#findPendingDeletes}).
     *
     * @return how many of the batch the storage still refused
     */
    public int retryPendingDeletes(int limit) {
        int failed = 0;
        String lastError = null;
        for (String id : repository.findPendingDeletes(limit)) {
            try {
                storage.delete(id);
                repository.bytesDeleted(id);
            } catch (IOException e) {
                failed++;
                lastError = e.getMessage();
                repository.bytesDeleteFailed(id, lastError);
            }
        }
        if (failed > 0) {
            LOG.warnf("the bytes of %d deleted or expired uploads could not be deleted yet (retried every sweep): %s",
                    failed, lastError);
        }
        return failed;
    }

    // ---- shutdown ----

    /**
     * Stops accepting appends and makes every append in flight store what it received and answer 503, waiting up
     * to {@code timeout} for them.
     *
     * @return the number of appends that had not ended when the timeout passed
     */
    public int drain(Duration timeout) {
        draining = true;
        List<CompletableFuture<AppendOutcome>> pending = new ArrayList<>();
        for (AppendOperation operation : activeAppends) {
            operation.requestStop(AppendOperation.Stop.SHUTDOWN);
            pending.add(operation.outcome().toCompletableFuture());
        }
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.warnf("%d uploads were still storing their bytes when the drain timeout passed", activeAppends.size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return activeAppends.size();
    }

    public boolean draining() {
        return draining;
    }

    // ---- hooks ----

    /** What hooks see of an upload. */
    UploadInfo info(UploadRecord upload) {
        return new UploadInfo(upload.id(), upload.length(), upload.offset(), upload.metadata(), upload.isPartial(),
                upload.isFinal(), upload.concatParts(), upload.owner(), location(upload.id()), upload.createdAt(),
                upload.expiresAt(), upload.finishedAt());
    }

    private Map<String, String> location(String id) {
        return storage instanceof LocatableStorage locatable ? locatable.location(id) : Map.of();
    }

    /** The outbox row reporting {@code type} for {@code upload}, or null when the HTTP hook does not take it. */
    OutboxEvent outboxEvent(HookType type, UploadRecord upload, RequestInfo request) {
        if (!hooks.sends(type)) {
            // Without HTTP hooks for this type, the commit path builds no snapshot.
            return null;
        }
        String body = hooks.outboxBody(type, info(upload), request);
        return body == null ? null : new OutboxEvent(upload.id(), type.wireName(), body);
    }

    /** An event was committed: the outbox delivers it now rather than at its next poll. */
    void wakeIf(OutboxEvent event) {
        if (event != null) {
            outbox.wake();
        }
    }

    private static void addIfSent(List<OutboxEvent> events, OutboxEvent event) {
        if (event != null) {
            events.add(event);
        }
    }

    private void preAccess(UploadRecord upload, Caller caller) {
        if (hooks.hasPreAccess()) {
            hooks.preAccess(new HookEvent(HookType.PRE_ACCESS, info(upload), caller.request()));
        }
    }

    Hooks hooks() {
        return hooks;
    }

    // ---- helpers ----

    private void requireNotDraining() {
        if (draining) {
            throw new TusException(TusError.SERVER_SHUTDOWN, "the server is shutting down; retry on another instance");
        }
    }

    private void requireSupported(TusExtension extension) {
        if (!supports(extension)) {
            throw new TusException(TusError.NOT_IMPLEMENTED, extension.headerName() + " is not supported");
        }
    }

    private UploadRecord requireLive(String id, Instant now, Caller caller) {
        return requireLive(id, now, caller, false);
    }

    /**
     * The upload, if the id is well-formed, the row exists, the caller may see it (or it is finished and
     * {@code publicIfFinished}) and it has not expired or been lost. The one place where ownership is checked for a
     * request on an upload; another caller's upload answers exactly as a missing one, so ids cannot be probed.
     */
    private UploadRecord requireLive(String id, Instant now, Caller caller, boolean publicIfFinished) {
        if (!UploadIds.isValid(id)) {
            throw new TusException(TusError.UPLOAD_NOT_FOUND);
        }
        return checkLive(repository.findRecord(id).orElseThrow(() -> new TusException(TusError.UPLOAD_NOT_FOUND)), now,
                caller, publicIfFinished);
    }

    /** {@link #requireLive} of a row already read. */
    private UploadRecord checkLive(UploadRecord upload, Instant now, Caller caller, boolean publicIfFinished) {
        if (!caller.mayAccess(upload) && !(publicIfFinished && upload.finished())) {
            throw new TusException(TusError.UPLOAD_NOT_FOUND);
        }
        if (upload.lost()) {
            throw new TusException(TusError.UPLOAD_LOST);
        }
        if (upload.expiredAt(now)) {
            throw new TusException(TusError.UPLOAD_EXPIRED);
        }
        return upload;
    }

    private UploadLock acquire(String id, Runnable onReleaseRequested) {
        long start = System.nanoTime();
        try {
            UploadLock lock = locks.acquire(id, config.lock().acquireTimeout(), onReleaseRequested);
            metrics.lockAcquired(Duration.ofNanos(System.nanoTime() - start));
            return lock;
        } catch (LockTimeoutException e) {
            throw new TusException(TusError.LOCK_TIMEOUT);
        } catch (LockUnavailableException e) {
            // Fail closed: without the lock nothing is read or written.
            LOG.warnf("lock backend unavailable: %s", e.getMessage());
            throw new TusException(TusError.LOCK_UNAVAILABLE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TusException(TusError.SERVICE_UNAVAILABLE, "interrupted while waiting for the upload's lock");
        }
    }

    /** Deletes the bytes of an upload that has no row yet (its creation failed). */
    private void deleteBytesQuietly(String id) {
        try {
            storage.delete(id);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("deleting the bytes of upload %s failed; they are orphaned: %s", id, e.getMessage());
        }
    }

    /** Deletes bytes recorded as pending deletion; when the storage cannot now, the record stays for the reaper. */
    private void deleteScheduledBytes(String id) {
        try {
            storage.delete(id);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("deleting the bytes of upload %s failed; the reaper will retry: %s", id, e.getMessage());
            return;
        }
        try {
            repository.bytesDeleted(id);
        } catch (RuntimeException e) {
            LOG.debugf("upload %s: bytes deleted, but not their pending record (the reaper deletes again): %s", id,
                    e.getMessage());
        }
    }

    /**
     * The exception to throw for a storage failure: a {@link TusException} naming an infrastructure fault (507,
     * 503, 410), else an unexpected error (500, logged with its stack trace by the exception mapper).
     */
    private static RuntimeException storageFailure(String what, IOException e) {
        TusError error = Failures.infrastructureError(e);
        if (error == null) {
            return new UncheckedIOException(what + " failed", e);
        }
        LOG.warnf("%s failed: %s: %s", what, error.code(), e.getMessage());
        return new TusException(error, error.message());
    }

    /** Forwards a release request that may arrive before the operation holding the lock exists. */
    private static final class ReleaseRelay {
        private AppendOperation operation;
        private boolean requested;

        synchronized void request() {
            requested = true;
            if (operation != null) {
                operation.requestStop(AppendOperation.Stop.RELEASE_REQUESTED);
            }
        }

        synchronized void attach(AppendOperation operation) {
            this.operation = operation;
            if (requested) {
                operation.requestStop(AppendOperation.Stop.RELEASE_REQUESTED);
            }
        }
    }

    /** The sink of an already complete upload: nothing may be written, and its offset stays. */
    private record FinishedUploadSink(long offset) implements AppendSink {
        @Override
        public void write(ByteBuffer[] batch) throws IOException {
            throw new IOException("upload is already complete");
        }

        @Override
        public long sync() {
            return offset;
        }

        @Override
        public long checkpoint() {
            return offset;
        }

        @Override
        public void close() {
        }
    }
}
