package io.resumableupload.upload;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jboss.logging.Logger;

import io.resumableupload.hooks.HookEvent;
import io.resumableupload.hooks.HookType;
import io.resumableupload.hooks.RequestInfo;
import io.resumableupload.lock.UploadLock;
import io.resumableupload.persistence.OutboxEvent;
import io.resumableupload.persistence.UploadRecord;
import io.resumableupload.protocol.TusError;
import io.resumableupload.protocol.UploadChecksum;
import io.resumableupload.storage.AppendSink;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;

/**
 * One append: streams a request body into storage and advances the offset, holding the upload's lock.
 *
 * <p>
 * Threads: the fields marked "event loop" are the state machine's; every method that reads or writes them holds
 * this object's monitor. They are meant to run on the request's event loop, but the body's callbacks come on the
 * connection's thread and job completions on the context's, and a PATCH on S3 once ran two writes at once (the
 * last bytes of a body were never stored): the monitor makes the order not depend on which thread calls. Storage work (write,
 * fsync, the offset compare-and-set) runs on a worker, one job at a
 * time; while a job runs, chunks queue up to {@code maxBufferedBytes}, then the request is paused (back-pressure).
 * No thread ever waits for the client.
 *
 * <p>
 * Durability order [DESIGN §3]: write, then {@link AppendSink#sync()}, then compare-and-set the offset, then
 * answer. A stop for any reason (a newer request for the upload, idle timeout, shutdown, a client that went away)
 * stores what arrived first. A client that went away (FIN or RST) ends the append at once, after the bytes its
 * connection had already read: its lock and open file are released then, not at the idle timeout.
 *
 * <p>
 * The idle timeout restarts only when {@value #IDLE_RESTART_BYTES} bytes arrived since it last did (or when reading
 * resumes after back-pressure): a client dripping a byte now and then is cut near {@code tus.patch.idle-timeout}
 * like a silent one. A request that is refused (a body longer than allowed) or fails stores nothing more.
 * A checksummed append is all-or-nothing: its bytes count only if the whole body arrived and the digest matches.
 *
 * <p>
 * Only the request's last commit may finish the upload or save a length the request declared; checkpoints during a
 * long body only move the offset and slide the expiry (they cannot know whether the body will run past the length
 * and be refused). No event fires here: the service fires them after the lock is released.
 */
final class AppendOperation {

    private static final Logger LOG = Logger.getLogger(AppendOperation.class);

    /** Bytes that must arrive to restart the idle timeout: less is a drip, not progress. */
    static final int IDLE_RESTART_BYTES = 1024;

    /** Why the operation stopped reading before the body ended. */
    enum Stop {
        RELEASE_REQUESTED(TusError.UPLOAD_INTERRUPTED),
        IDLE_TIMEOUT(TusError.READ_TIMEOUT),
        SHUTDOWN(TusError.SERVER_SHUTDOWN),
        CLIENT_GONE(TusError.UNEXPECTED_EOF),
        SIZE_EXCEEDED(null),
        STORAGE_FAILED(TusError.INTERNAL_SERVER_ERROR),
        /** A post-receive hook said StopUpload: what arrived is stored, then the service deletes the upload (as tusd). */
        HOOK_STOPPED(TusError.UPLOAD_STOPPED);

        final TusError error;

        Stop(TusError error) {
            this.error = error;
        }
    }

    private final UploadService service;
    private final UploadRecord upload;
    private final RequestInfo request;
    private final Long length;
    private final Long declaredLength;
    private final UploadLock lock;
    private final OffsetCommits commits;
    private final AppendSink sink;
    private final long allowance;
    private final UploadChecksum checksum;
    private final MessageDigest digest;
    private final RequestBody body;
    private final Context context;
    private final long idleTimeoutNanos;
    private final long maxBufferedBytes;
    private final long checkpointInterval;
    private final long releaseDrainNanos;
    private final CompletableFuture<AppendOutcome> outcome = new CompletableFuture<>();
    private final long startNanos = System.nanoTime();

    // event loop
    private final ArrayDeque<Buffer> pending = new ArrayDeque<>();
    private long pendingBytes;
    private long received;
    private boolean writing;
    private boolean checkpointing;
    private long lastCheckpoint;
    private boolean ended;
    private boolean paused;
    private boolean committing;
    /** Whether {@link #pump()} is running (on this thread: the monitor is held), and whether it must run again. */
    private boolean pumping;
    private boolean pumpAgain;
    private Stop stop;
    private boolean clientGone;
    /** When the idle timeout last restarted. */
    private long idleSinceNanos = System.nanoTime();
    /** Bytes received since then. */
    private long bytesSinceIdleRestart;
    /** When the last byte arrived (a release waits for a quiet moment). */
    private long lastByteNanos = System.nanoTime();
    private long idleTimerId = -1;
    private boolean started;
    /** A newer request asked for the lock before reading started: drain once it starts. */
    private boolean releaseRequested;
    private final long progressIntervalNanos;
    private long lastProgressNanos = System.nanoTime();

    // worker jobs (one at a time; the event loop hands over between them, which orders the accesses)
    private volatile long committedOffset;
    private volatile long writtenOffset;
    private volatile Instant expiresAt;
    private volatile Throwable storageFailure;
    private volatile boolean finished;
    private volatile boolean lengthSaved;
    /** The upload as this append completed it, or null. */
    private volatile UploadRecord finishedUpload;
    /** When a checkpoint must slide the expiry even without new bytes (null: never). */
    private volatile Instant slideExpiryAt;

    /**
     * @param upload the upload as read under the lock
     * @param length the upload's length, including one declared by this request, or null while deferred
     * @param declaredLength a length this request declares for a deferred upload, saved with its last commit; or null
     * @param allowance the most bytes this request may append
     */
    AppendOperation(UploadService service, UploadRecord upload, RequestInfo request, Long length, Long declaredLength,
            UploadLock lock, OffsetCommits commits,
            AppendSink sink, long allowance, UploadChecksum checksum, RequestBody body, Duration idleTimeout,
            long maxBufferedBytes, long checkpointInterval, Duration releaseDrain) {
        this.service = service;
        this.upload = upload;
        this.request = request;
        this.length = length;
        // -1: nobody wants progress, so the chunk path never looks at the clock for it.
        this.progressIntervalNanos = service.hooks().wantsProgress() ? service.hooks().progressInterval().toNanos() : -1;
        this.declaredLength = declaredLength;
        this.lock = lock;
        this.commits = commits;
        this.sink = sink;
        this.allowance = allowance;
        this.checksum = checksum;
        this.digest = checksum == null ? null : checksum.algorithm().newDigest();
        this.body = body;
        this.context = body.context();
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.maxBufferedBytes = maxBufferedBytes;
        // A checksummed append never counts before its digest is verified, so it never checkpoints.
        // Nor does one whose first commit ends its lock (a small body under a transaction-level lock).
        this.checkpointInterval = checksum == null && !commits.commitsOnce() ? checkpointInterval : Long.MAX_VALUE;
        this.releaseDrainNanos = releaseDrain.toNanos();
        this.committedOffset = upload.offset();
        this.writtenOffset = upload.offset();
        this.lastCheckpoint = upload.offset();
        this.expiresAt = upload.expiresAt();
        this.finished = upload.finished();
        this.slideExpiryAt = upload.finished() || commits.commitsOnce() ? null
                : service.slideExpiryAt(upload.expiresAt());
    }

    String uploadId() {
        return upload.id();
    }

    /**
     * Starts streaming; the stage completes once the outcome is committed and the lock released. Called on a worker
     * with the whole body already read ahead ({@link RequestBody#takeWholeBody}), it writes and commits it right there
     * and the stage is complete on return.
     */
    CompletionStage<AppendOutcome> start() {
        ByteBuffer[] whole = null;
        if (!Context.isOnEventLoopThread()) {
            try {
                whole = takeWholeBody();
            } catch (RuntimeException e) {
                // Never expected; the body is then delivered as usual (and the append ends the usual way).
                LOG.warnf(e, "upload %s: taking a body read ahead failed", upload.id());
            }
        }
        if (whole == null) {
            context.runOnContext(ignored -> begin());
            return outcome;
        }
        service.metrics().appendReadAhead();
        try {
            writeAndCommitOnWorker(whole);
        } catch (RuntimeException | Error e) {
            complete(failed(e));
        }
        return outcome;
    }

    /**
     * The whole body, taken as the last batch of a commit (as {@link #writeLastBatchAndCommit} would, with no thread
     * hop); null when it has not all arrived or a stop came first, and the body is then delivered as usual.
     */
    private synchronized ByteBuffer[] takeWholeBody() {
        if (stop != null || releaseRequested || started) {
            return null;
        }
        Buffer[] chunks = body.takeWholeBody(allowance);
        if (chunks == null) {
            return null;
        }
        started = true;
        ended = true;
        committing = true;
        for (Buffer chunk : chunks) {
            enqueue(chunk);
        }
        return takePending();
    }

    /** On the request's context: installs the body handlers (or ends at once when stopped before reading). */
    private synchronized void begin() {
        if (stop != null) {
            // Asked to stop before the first byte: store nothing, answer now.
            pump();
            return;
        }
        // The sink may have taken a while to open (S3): the client was not idle meanwhile.
        lastByteNanos = System.nanoTime();
        restartIdle(lastByteNanos);
        armIdleTimer(idleTimeoutNanos);
        started = true;
        body.start(new RequestBody.Listener() {
            @Override
            public void onData(Buffer chunk) {
                AppendOperation.this.onData(chunk);
            }

            @Override
            public void onEnd() {
                synchronized (AppendOperation.this) {
                    ended = true;
                    pump();
                }
            }

            @Override
            public void onClientGone(Throwable cause) {
                AppendOperation.this.onClientGone(cause);
            }
        });
        if (releaseRequested) {
            // A newer request came while this one waited for the lock or opened storage. The bytes already
            // on their way are the client's progress (a client cut off mid-body resumes from them), so they
            // are read and stored first, as for a release that comes while reading.
            drainThenStop(System.nanoTime() + releaseDrainNanos);
        }
    }

    /**
     * Asks the operation to store what it has and end; callable from any thread. A release request (a newer request
     * wants the lock) first drains the bytes already on their way, also when it comes before reading started: see
     * {@code tus.patch.release-drain}.
     */
    void requestStop(Stop reason) {
        context.runOnContext(ignored -> onStopRequested(reason));
    }

    private synchronized void onStopRequested(Stop reason) {
        if (reason == Stop.RELEASE_REQUESTED && !started) {
            releaseRequested = true;
        } else if (reason == Stop.RELEASE_REQUESTED) {
            drainThenStop(System.nanoTime() + releaseDrainNanos);
        } else {
            stop(reason);
        }
    }

    private static final long QUIET_NANOS = 50_000_000L;

    /**
     * Keeps reading until no byte came for 50 ms, or the deadline passes, then stops for the release. While a write
     * runs, reading may be paused (back-pressure): that quiet is ours, not the client's, so it does not count.
     */
    private synchronized void drainThenStop(long deadline) {
        if (stop != null || committing || ended) {
            return;
        }
        long now = System.nanoTime();
        if ((!writing && now - lastByteNanos >= QUIET_NANOS) || now >= deadline) {
            stop(Stop.RELEASE_REQUESTED);
            return;
        }
        long wait = Math.min(writing ? QUIET_NANOS : QUIET_NANOS - (now - lastByteNanos), deadline - now);
        context.owner().setTimer(Math.max(1, wait / 1_000_000), id -> drainThenStop(deadline));
    }

    CompletionStage<AppendOutcome> outcome() {
        return outcome;
    }

    // ---- event loop ----

    private synchronized void onData(Buffer chunk) {
        if (stop != null || committing) {
            return;
        }
        long now = System.nanoTime();
        lastByteNanos = now;
        bytesSinceIdleRestart += chunk.length();
        if (bytesSinceIdleRestart >= IDLE_RESTART_BYTES) {
            restartIdle(now);
        }
        long room = allowance - received;
        if (chunk.length() > room) {
            if (room > 0) {
                enqueue(chunk.slice(0, (int) room));
            }
            stop(Stop.SIZE_EXCEEDED);
            return;
        }
        enqueue(chunk);
        if (progressIntervalNanos >= 0 && lastByteNanos - lastProgressNanos >= progressIntervalNanos) {
            lastProgressNanos = lastByteNanos;
            reportProgress();
        }
        // Once the client is gone, what its connection still delivers is bounded by what it had read: no pause.
        if (pendingBytes >= maxBufferedBytes && !paused && !clientGone) {
            paused = true;
            body.pause();
        }
        pump();
    }

    private void enqueue(Buffer chunk) {
        pending.add(chunk);
        pendingBytes += chunk.length();
        received += chunk.length();
        service.metrics().bytesArrived(chunk.length());
    }

    /**
     * Post-receive: tells the hooks how far the upload got (bytes received, not all durable yet), on a worker and
     * without waiting for them; a StopUpload answer stops this append.
     */
    private void reportProgress() {
        HookEvent event = new HookEvent(HookType.POST_RECEIVE,
                service.info(upload.withProgress(length, upload.offset() + received, expiresAt, null)), request);
        context.executeBlocking(() -> {
            service.hooks().progress(event, () -> requestStop(Stop.HOOK_STOPPED));
            return null;
        }, false);
    }

    private void restartIdle(long now) {
        idleSinceNanos = now;
        bytesSinceIdleRestart = 0;
    }

    /**
     * The connection closed or was reset. No more bytes can come: take those it had already read (a paused body
     * holds them back), then stop and store what arrived. Once per append, whichever report comes first.
     */
    private synchronized void onClientGone(Throwable cause) {
        if (clientGone || stop != null || committing || ended) {
            return;
        }
        clientGone = true;
        LOG.debugf("upload %s: client connection gone (%s), storing what arrived", upload.id(), cause.toString());
        body.drainThen(() -> stop(Stop.CLIENT_GONE));
    }

    private synchronized void stop(Stop reason) {
        // Once the whole body is in, nothing is left to interrupt: the commit proceeds as a complete append.
        if (stop != null || committing || (ended && reason != Stop.STORAGE_FAILED)) {
            return;
        }
        stop = reason;
        if (!ended) {
            body.pause();
        }
        pump();
    }

    /**
     * Starts the next storage job: a write if bytes are pending, a checkpoint (alongside writes) when enough bytes
     * went by since the last one, else the commit once the body is done and no checkpoint runs.
     */
    private synchronized void pump() {
        // Never re-entered: a job's completion handler runs inside the call that started the job when the job was
        // already done by then (Vert.x completes a listener at once on a completed future), and its pump() used to
        // run in the middle of this one. The outer pump() then went on from a state that no longer held and
        // started a second commit beside the last write (S3 appends lost their last bytes to it, under load).
        if (pumping) {
            pumpAgain = true;
            return;
        }
        pumping = true;
        try {
            do {
                pumpAgain = false;
                pumpOnce();
            } while (pumpAgain);
        } finally {
            pumping = false;
        }
    }

    private void pumpOnce() {
        if (committing) {
            return;
        }
        if (!checkpointing && !writing && (writtenOffset - lastCheckpoint >= checkpointInterval || expirySlideDue())
                && stop == null && storageFailure == null) {
            startCheckpoint();
        }
        if (writing) {
            return;
        }
        if (!pending.isEmpty() && stop != Stop.STORAGE_FAILED) {
            if (ended && !checkpointing) {
                writeLastBatchAndCommit();
            } else {
                writeBatch();
            }
        } else if ((ended || stop != null) && !checkpointing) {
            commit();
        }
    }

    /** The whole body is in: write what is left and commit in one worker job (one thread hop, not two). */
    private void writeLastBatchAndCommit() {
        ByteBuffer[] batch = takePending();
        committing = true;
        cancelIdleTimer();
        context.executeBlocking(() -> {
            writeAndCommitOnWorker(batch);
            return null;
        }, false).onFailure(e -> complete(failed(e)));
    }

    /** The body's last bytes, then the commit; a failed write is the commit's storage failure. */
    private void writeAndCommitOnWorker(ByteBuffer[] batch) {
        try {
            write(batch);
        } catch (IOException | RuntimeException | Error e) {
            // An Error too: the commit's end closes the sink and lets go of the lock (others may wait for it).
            storageFailure = e;
        }
        complete(commitOnWorker());
    }

    private ByteBuffer[] takePending() {
        ByteBuffer[] batch = new ByteBuffer[pending.size()];
        int i = 0;
        for (Buffer chunk : pending) {
            batch[i++] = chunk.getByteBuf().nioBuffer();
        }
        pending.clear();
        pendingBytes = 0;
        return batch;
    }

    /** Makes bytes durable and advances the offset while the next batches keep being written. */
    private void startCheckpoint() {
        checkpointing = true;
        lastCheckpoint = writtenOffset;
        context.executeBlocking(() -> {
            advanceTo(sink.checkpoint(), false);
            return null;
        }, false).onComplete(result -> checkpointEnded(result.cause()));
    }

    private synchronized void checkpointEnded(Throwable failure) {
        checkpointing = false;
        if (failure != null) {
            storageFailure = failure;
            stop(Stop.STORAGE_FAILED);
        }
        pump();
    }

    private void writeBatch() {
        ByteBuffer[] batch = takePending();
        writing = true;
        context.executeBlocking(() -> {
            write(batch);
            return null;
        }, false).onComplete(result -> writeEnded(result.cause()));
    }

    private synchronized void writeEnded(Throwable failure) {
        writing = false;
        if (failure != null) {
            storageFailure = failure;
            stop(Stop.STORAGE_FAILED);
        }
        if (paused && stop == null && pendingBytes < maxBufferedBytes) {
            paused = false;
            // The client could not send while we did not read: its idle time starts again now.
            restartIdle(System.nanoTime());
            body.resume();
        }
        pump();
    }

    private void commit() {
        committing = true;
        cancelIdleTimer();
        // The outcome completes on the worker, so whatever the caller chains on it (a response, cleanup that
        // touches the database) never runs on the event loop.
        context.executeBlocking(() -> {
            complete(commitOnWorker());
            return null;
        }, false).onFailure(e -> complete(failed(e)));
    }

    /** The upload's expiry is less than half its sliding window away while bytes still arrive. */
    private boolean expirySlideDue() {
        Instant at = slideExpiryAt;
        return at != null && !service.clock().instant().isBefore(at);
    }

    private void complete(AppendOutcome done) {
        service.appendEnded(this, Duration.ofNanos(System.nanoTime() - startNanos));
        outcome.complete(done);
    }

    private void armIdleTimer(long delayNanos) {
        idleTimerId = context.owner().setTimer(Math.max(1, delayNanos / 1_000_000), id -> onIdleTimer());
    }

    private synchronized void onIdleTimer() {
        idleTimerId = -1;
        if (stop != null || committing || ended) {
            return;
        }
        long idle = System.nanoTime() - idleSinceNanos;
        // While reading is paused for storage the client is not the one being slow.
        if (paused || idle < idleTimeoutNanos) {
            armIdleTimer(paused ? idleTimeoutNanos : idleTimeoutNanos - idle);
            return;
        }
        LOG.debugf("upload %s: fewer than %d bytes in %d ms, storing what arrived", upload.id(), IDLE_RESTART_BYTES,
                idle / 1_000_000);
        stop(Stop.IDLE_TIMEOUT);
    }

    private void cancelIdleTimer() {
        if (idleTimerId >= 0) {
            context.owner().cancelTimer(idleTimerId);
            idleTimerId = -1;
        }
    }

    // ---- workers ----

    private void write(ByteBuffer[] batch) throws IOException {
        // A holder whose lock is gone must not write another byte: another replica may be appending already.
        if (!lock.isHeld()) {
            throw new LockLostException("lock of upload " + upload.id() + " was lost; stopped writing");
        }
        if (digest != null) {
            for (ByteBuffer buffer : batch) {
                digest.update(buffer.duplicate());
            }
        }
        long bytes = 0;
        for (ByteBuffer buffer : batch) {
            bytes += buffer.remaining();
        }
        sink.write(batch);
        writtenOffset += bytes;
    }

    private AppendOutcome commitOnWorker() {
        try {
            if (storageFailure != null) {
                return failed(storageFailure);
            }
            if (stop == Stop.SIZE_EXCEEDED) {
                // Refused: nothing more is stored (bytes a checkpoint committed earlier stay, as after an interruption).
                return stopped();
            }
            boolean wholeBody = ended && stop == null;
            if (checksum != null) {
                if (!wholeBody) {
                    // All-or-nothing: an interrupted checksummed append stores nothing.
                    return stopped();
                }
                if (!MessageDigest.isEqual(digest.digest(), checksum.expectedDigest())) {
                    service.metrics().checksumMismatch();
                    return outcome(TusError.CHECKSUM_MISMATCH,
                            checksum.algorithm().tusName() + " of the request body does not match Upload-Checksum");
                }
            }
            long durable = sink.sync();
            if (durable != writtenOffset) {
                // Never expected: the sink must hold every byte it was given once sync() returns. Say so loudly
                // (the offset stays truthful: it counts what the storage reports durable).
                LOG.errorf("upload %s: storage reports %d bytes durable after %d were written (%d received, body %s)",
                        upload.id(), durable, writtenOffset, received, ended ? "ended" : "cut");
            }
            advanceTo(durable, true);
            // An interrupted body that still brought every byte of the upload completed it: that is a success.
            return wholeBody || finishedUpload != null ? outcome(null, null) : stopped();
        } catch (OffsetConflictException e) {
            return outcome(TusError.MISMATCHED_OFFSET, e.getMessage());
        } catch (IOException | RuntimeException e) {
            return failed(e);
        } finally {
            try {
                sink.close();
            } catch (IOException | RuntimeException e) {
                LOG.warnf(e, "upload %s: closing the storage sink failed", upload.id());
            } finally {
                lock.close();
            }
        }
    }

    /**
     * Moves the committed offset to {@code durable} (bytes up to it are durable). Only the request's {@code last}
     * commit finishes the upload or saves the length the request declared; a checkpoint that has every byte of the
     * upload commits none of them, and one without new bytes still slides the expiry when that is due.
     */
    private void advanceTo(long durable, boolean last) throws IOException {
        long from = committedOffset;
        if (!last && ((length != null && durable >= length) || checksum != null)) {
            durable = from;
        }
        // Also reached with no new bytes when a deferred length is declared equal to the offset.
        boolean finishing = last && !finished && length != null && durable == length;
        Long declaring = last && !lengthSaved ? declaredLength : null;
        boolean sliding = !last && expirySlideDue();
        if (durable == from && !finishing && declaring == null && !sliding) {
            return;
        }
        if (!lock.confirmHeld()) {
            throw new LockLostException("lock of upload " + upload.id() + " was lost; offset not advanced");
        }
        Instant now = service.clock().instant();
        Instant newExpiry = service.expiryAfterAppend(finishing, now);
        UploadRecord done = null;
        OutboxEvent event = null;
        if (finishing) {
            service.storage().finish(upload.id(), durable);
            done = upload.withProgress(length, durable, newExpiry, now);
            event = service.outboxEvent(HookType.POST_FINISH, done, request);
        }
        if (!commits.compareAndSetOffset(from, durable, declaring, newExpiry, finishing ? now : null, event)) {
            throw new OffsetConflictException("offset of upload " + upload.id() + " moved during the append");
        }
        service.wakeIf(event);
        service.metrics().bytesReceived(durable - from);
        committedOffset = durable;
        expiresAt = newExpiry;
        slideExpiryAt = finishing ? null : service.slideExpiryAt(newExpiry);
        lengthSaved |= declaring != null;
        if (finishing) {
            finished = true;
            finishedUpload = done;
        }
    }

    private AppendOutcome stopped() {
        Stop reason = stop;
        if (reason == Stop.SIZE_EXCEEDED) {
            return length != null
                    ? outcome(TusError.UPLOAD_SIZE_EXCEEDED,
                            "the request body goes past the upload's length of " + length + " bytes")
                    : outcome(TusError.MAX_SIZE_EXCEEDED, "the request body goes past the maximum upload size");
        }
        if (!lock.isHeld()) {
            // The lock backend took the lock away (that is how its holder is told): that is the cause to report.
            return failed(new LockLostException("lock of upload " + upload.id() + " was lost"));
        }
        return outcome(reason.error, reason.error.message());
    }

    private AppendOutcome outcome(TusError error, String detail) {
        return new AppendOutcome(upload.id(), committedOffset, expiresAt, error, detail, ended, finishedUpload);
    }

    /** The outcome of a failed append: the cause's infrastructure error (503, 507, 410), else a logged 500. */
    private AppendOutcome failed(Throwable cause) {
        if (cause instanceof LockLostException) {
            LOG.warnf("upload %s: %s (lock backend unreachable?); offset stays at %d", upload.id(), cause.getMessage(),
                    committedOffset);
            return outcome(TusError.LOCK_UNAVAILABLE,
                    "the upload's lock was lost (the lock service could not be reached); resume from HEAD");
        }
        TusError error = Failures.infrastructureError(cause);
        if (error == null) {
            LOG.errorf(cause, "upload %s: append failed at offset %d", upload.id(), committedOffset);
            return outcome(TusError.INTERNAL_SERVER_ERROR, "storing the upload failed");
        }
        LOG.warnf("upload %s: %s, offset stays at %d: %s", upload.id(), error.code(), committedOffset,
                cause.getMessage());
        if (error == TusError.UPLOAD_LOST) {
            service.markLost(upload.id(), cause.getMessage());
        }
        return outcome(error, error.message());
    }

    private static final class OffsetConflictException extends RuntimeException {
        OffsetConflictException(String message) {
            super(message, null, false, false);
        }
    }

    private static final class LockLostException extends RuntimeException {
        LockLostException(String message) {
            super(message, null, false, false);
        }
    }
}
