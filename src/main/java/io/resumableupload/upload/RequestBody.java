package io.resumableupload.upload;

import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;

/**
 * The body of a PATCH (or a creation-with-upload POST), read without blocking. Client failures (a closed or reset
 * connection) do not surface as errors to storage: they end the body and are recorded as the reason, so the bytes
 * that arrived are stored [tusd body_reader.go]. A connection that went away before delivery started (while the
 * request waited for a worker or the upload's lock) is reported too, at once, and the bytes it brought are kept:
 * {@link #keepEarlyBytes} holds them from the request's arrival.
 *
 * <p>
 * A small body with a declared length ({@code tus.patch.read-ahead-max-size}) is read as it arrives, while its request
 * waits for a worker: when the worker finds it complete ({@link #takeWholeBody}), the append writes and commits it on
 * that worker in one go, with no hop to the event loop and back for the body.
 */
public final class RequestBody {

    /** Receives the body on the request's event loop, one call at a time. */
    interface Listener {
        void onData(Buffer chunk);

        void onEnd();

        void onClientGone(Throwable cause);
    }

    private static final String EARLY = RequestBody.class.getName() + ".early";
    /**
     * More than Vert.x queues for a paused request (8 pieces of at most {@code quarkus.http.limits.max-chunk-size}
     * plus one socket read) before it stops reading the socket.
     */
    private static final long EARLY_LIMIT = 2L * 1024 * 1024;

    /**
     * The most bytes of bodies read ahead at once, over all connections. Per request the read-ahead size bounds it, but
     * one HTTP/2 connection carries up to 100 streams, and each body read ahead gives its flow-control credit back to
     * the client: without a total, a few connections could fill the heap. A request that finds the budget spent
     * waits for its append to read its body, as it would without read-ahead.
     */
    static final long READ_AHEAD_BUDGET = 16L * 1024 * 1024;
    private static final AtomicLong readAheadInUse = new AtomicLong();

    private final HttpServerRequest request;
    private final Context context;
    private final boolean expectContinue;
    private final Early early;

    public RequestBody(RoutingContext routing) {
        this.request = routing.request();
        Context current = Vertx.currentContext();
        this.context = current != null ? current : ((HttpServerRequestInternal) request).context();
        this.expectContinue = "100-continue".equalsIgnoreCase(request.getHeader("Expect"));
        this.early = routing.get(EARLY);
    }

    /**
     * To run as a request arrives, on its event loop: from then on, the bytes Vert.x delivers before the append starts
     * are kept for it. A client that closes while its request waits makes Quarkus resume the request (it drains bodies
     * of requests whose response ended, and the connection's close ends it), and those bytes, the ones that arrived
     * before the FIN, went to no handler. Only requests that can carry an upload body (PATCH, POST) with one.
     */
    public static void keepEarlyBytes(RoutingContext routing, long readAheadMaxSize) {
        HttpServerRequest request = routing.request();
        if (!carriesBody(request)) {
            return;
        }
        Early early = new Early(request);
        // Paused, as Quarkus hands it over; pausing here also stops the handler below from resuming it.
        request.pause();
        request.handler(early::add);
        request.endHandler(ignored -> early.end());
        // An HTTP/2 stream reset while the request waits is told to this handler only (the connection stays open).
        request.exceptionHandler(early::fail);
        routing.put(EARLY, early);
        long declared = readAheadLength(request, readAheadMaxSize);
        if (declared > 0) {
            early.declaredLength = declared;
        }
    }

    /**
     * To run on the request's event loop once the request went on its way to a worker: a body to read ahead
     * ({@link #keepEarlyBytes}) starts flowing into the early bytes. Not before: the REST layer pauses every request
     * as it takes it over.
     */
    public static void readAhead(RoutingContext routing) {
        Early early = routing.get(EARLY);
        if (early != null && early.declaredLength > 0 && early.reserve()) {
            // Whatever happens to the request, its share of the budget comes back by the end of its response.
            routing.addEndHandler(ignored -> early.releaseBudget());
            early.resumeUnlessDone();
        }
    }

    /**
     * The Content-Length of a TUS request body small enough to read ahead, or -1. Never with {@code Expect:
     * 100-continue}: that client sends nothing before the append starts and says so, and a refused request must not
     * ask for its body.
     */
    private static long readAheadLength(HttpServerRequest request, long readAheadMaxSize) {
        if (readAheadMaxSize <= 0 || request.getHeader("Tus-Resumable") == null || request.getHeader("Expect") != null
                || request.getHeader("Transfer-Encoding") != null) {
            return -1;
        }
        String header = request.getHeader("Content-Length");
        long length;
        try {
            length = header == null ? -1 : Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
        return length > 0 && length <= Math.min(readAheadMaxSize, EARLY_LIMIT) ? length : -1;
    }

    /** Whether the request declares an upload body (a PATCH or POST with a non-zero length or a chunked one). */
    public static boolean carriesBody(HttpServerRequest request) {
        if (request.method() != HttpMethod.PATCH && request.method() != HttpMethod.POST) {
            return false;
        }
        String encoding = request.getHeader("Transfer-Encoding");
        String length = request.getHeader("Content-Length");
        return (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked"))
                || (length != null && !length.strip().equals("0"));
    }

    /**
     * Bytes delivered before the append started. Filled on the event loop; a worker may take a whole body read ahead
     * ({@link #takeWholeBody}), hence the monitor, which never calls out (into Vert.x, or to a listener) while held.
     */
    private static final class Early {
        private final HttpServerRequest request;
        private final ArrayDeque<Buffer> chunks = new ArrayDeque<>();
        private long bytes;
        private boolean ended;
        /** The Content-Length of a body read ahead, else 0. */
        private long declaredLength;
        /** A worker took the whole body: nothing is left to deliver. */
        private boolean taken;
        /** The append started delivery: it pauses and resumes the request from then on. */
        private boolean delivered;
        /** What Vert.x reported while the request waited: no more bytes come. */
        private Throwable failure;
        /** Bytes of {@link #READ_AHEAD_BUDGET} this request holds (its declared length, until the body leaves it). */
        private final AtomicLong reserved = new AtomicLong();

        Early(HttpServerRequest request) {
            this.request = request;
        }

        /**
         * Keeps every byte: dropping one would leave a gap, and the bytes after it would be stored at the wrong
         * offsets (CI saw a tus-java-client PATCH on S3 answered with 332,228 bytes missing while S3 opened the
         * append). The request should still be paused here; if something resumed it, it is paused again once
         * {@link #EARLY_LIMIT} bytes are held, and the append resumes it when it starts.
         */
        private void add(Buffer chunk) {
            boolean full;
            synchronized (this) {
                chunks.add(chunk);
                bytes += chunk.length();
                full = bytes >= EARLY_LIMIT;
            }
            if (full) {
                try {
                    request.pause();
                } catch (IllegalStateException over) {
                    // the body is complete or the request reset: nothing more comes
                }
            }
        }

        private synchronized void end() {
            ended = true;
        }

        private synchronized void fail(Throwable cause) {
            if (failure == null) {
                failure = cause;
            }
        }

        /** Why the request broke off before its body ended (a stream reset, a closed connection), else null. */
        private synchronized Throwable brokenOff() {
            return ended ? null : failure;
        }

        /** Takes this body's share of the read-ahead budget; false when it is spent. */
        private boolean reserve() {
            long inUse;
            do {
                inUse = readAheadInUse.get();
                if (inUse + declaredLength > READ_AHEAD_BUDGET) {
                    return false;
                }
            } while (!readAheadInUse.compareAndSet(inUse, inUse + declaredLength));
            reserved.set(declaredLength);
            return true;
        }

        /**
         * Gives the budget back once: the body went to the append, or the request is over. Takes no monitor: it runs
         * in a response's end handler, which Vert.x calls holding the connection's monitor.
         */
        private void releaseBudget() {
            long held = reserved.getAndSet(0);
            if (held > 0) {
                readAheadInUse.addAndGet(-held);
            }
        }

        /**
         * Resumes reading unless the body already ended or the append took it over. The request is resumed outside
         * this object's monitor: Vert.x takes the connection's monitor there, and a worker ending a response holds
         * that one while it runs end handlers (a deadlock CI met once).
         */
        private void resumeUnlessDone() {
            synchronized (this) {
                if (ended || taken || delivered || bytes >= EARLY_LIMIT) {
                    return;
                }
            }
            // Only the worker acts on this object from another thread, and only once the body ended: resuming an ended
            // request is refused below, harmlessly.
            try {
                request.resume();
            } catch (IllegalStateException over) {
                // ended, reset or closed meanwhile: nothing more comes
            }
        }

        private synchronized boolean wholeBodyArrived() {
            return !taken && !delivered && ended && declaredLength > 0 && bytes == declaredLength;
        }

        private synchronized Buffer[] takeWholeBody(long maxBytes) {
            if (!wholeBodyArrived() || bytes > maxBytes) {
                return null;
            }
            taken = true;
            Buffer[] body = chunks.toArray(new Buffer[0]);
            chunks.clear();
            releaseBudget();
            return body;
        }

        /** What arrived so far, for the append, which delivers the body from now on (on the event loop). */
        private synchronized Buffer[] startDelivery() {
            delivered = true;
            // From here the append's own buffer bound applies (tus.patch.max-buffered-bytes).
            releaseBudget();
            Buffer[] arrived = chunks.toArray(new Buffer[0]);
            chunks.clear();
            return arrived;
        }

        private synchronized boolean ended() {
            return ended;
        }
    }

    /**
     * The whole body, when it was read ahead and has fully arrived, its length the declared one and at most
     * {@code maxBytes}; else null (and nothing is taken: {@link #start} delivers it as usual). Callable from any
     * thread; once it returned the body, {@link #start} must not be called.
     */
    Buffer[] takeWholeBody(long maxBytes) {
        return early == null ? null : early.takeWholeBody(maxBytes);
    }

    /** Whether the whole body was read ahead and has arrived, and nobody took it yet (see {@link #takeWholeBody}). */
    boolean wholeBodyArrived() {
        return early != null && early.wholeBodyArrived();
    }

    /** The context whose event loop delivers this body; all pipeline state changes run on it. */
    Context context() {
        return context;
    }

    /**
     * Starts delivery, on {@link #context()}: first the bytes that came before, then the rest. Sends {@code 100
     * Continue} first when the client asked for it. A connection that is already closed is reported to
     * {@link Listener#onClientGone} after the bytes it had brought.
     */
    void start(Listener listener) {
        if (early != null) {
            for (Buffer chunk : early.startDelivery()) {
                listener.onData(chunk);
            }
            // Nothing can arrive meanwhile: the early handler runs on this event loop too.
            if (early.ended()) {
                // The whole body came before the append started (Vert.x no longer takes handlers for it).
                listener.onEnd();
                return;
            }
        }
        // Vert.x reports a closed connection or an HTTP/2 stream reset once, to the handler set at that moment: one
        // that came while this request waited was told to the early handler, or to nobody. All of it runs on the
        // connection's event loop, so these checks and the handlers below leave no gap.
        Throwable brokenOff = early == null ? null : early.brokenOff();
        try {
            request.handler(listener::onData);
            request.endHandler(ignored -> listener.onEnd());
            request.exceptionHandler(listener::onClientGone);
        } catch (IllegalStateException resetOrRead) {
            if (brokenOff == null && request.version() != HttpVersion.HTTP_2) {
                throw resetOrRead;
            }
            // Vert.x counts a reset HTTP/2 stream as read and takes no handler for it: nothing more comes (bytes it
            // held back for a paused stream went with the reset; those read ahead were delivered above).
            listener.onClientGone(brokenOff != null ? brokenOff : resetOrRead);
            return;
        }
        boolean closed = brokenOff != null || request.connection() instanceof ConnectionBase connection
                && connection.closeFuture().isComplete();
        if (expectContinue && !closed) {
            request.response().writeContinue();
        }
        // Quarkus hands the request over paused; nothing arrives until we ask.
        request.resume();
        if (closed) {
            listener.onClientGone(brokenOff != null ? brokenOff
                    : new IllegalStateException("the connection closed before the body was read"));
        }
    }

    /**
     * The connection is gone, so no more bytes can come: delivers, without pausing again, those it had already read
     * (held back while the body was paused), then runs {@code then} on {@link #context()}.
     */
    void drainThen(Runnable then) {
        resume();
        // Resuming schedules the delivery on the request's context; a task queued after it on the same context runs
        // once everything queued was delivered.
        ((HttpServerRequestInternal) request).context().runOnContext(ignored -> context.runOnContext(v -> then.run()));
    }

    /**
     * Stops delivery. A request that is over (its HTTP/2 stream reset, its connection closed) refuses to pause with
     * {@link IllegalStateException}: nothing more can arrive then, which is what pausing is for, so that is fine.
     * Thrown inside a stop, it would leave the append stopped but never committed, holding its lock for good.
     */
    void pause() {
        try {
            request.pause();
        } catch (IllegalStateException over) {
            // already read to the end or reset
        }
    }

    void resume() {
        try {
            request.resume();
        } catch (IllegalStateException over) {
            // already read to the end or reset
        }
    }
}
