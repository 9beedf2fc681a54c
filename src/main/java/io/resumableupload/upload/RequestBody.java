package io.resumableupload.upload;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpServerRequestInternal;

/**
 * The body of a PATCH (or a creation-with-upload POST), read without blocking. Client failures (a closed or reset
 * connection) do not surface as errors to storage: they end the body and are recorded as the reason, so the bytes
 * that arrived are stored [tusd body_reader.go].
 */
public final class RequestBody {

    /** Receives the body on the request's event loop, one call at a time. */
    interface Listener {
        void onData(Buffer chunk);

        void onEnd();

        void onClientGone(Throwable cause);
    }

    private final HttpServerRequest request;
    private final Context context;
    private final boolean expectContinue;

    public RequestBody(HttpServerRequest request) {
        this.request = request;
        Context current = Vertx.currentContext();
        this.context = current != null ? current : ((HttpServerRequestInternal) request).context();
        this.expectContinue = "100-continue".equalsIgnoreCase(request.getHeader("Expect"));
    }

    /** The context whose event loop delivers this body; all pipeline state changes run on it. */
    Context context() {
        return context;
    }

    /** Starts delivery. Sends {@code 100 Continue} first when the client asked for it. */
    void start(Listener listener) {
        request.handler(listener::onData);
        request.endHandler(ignored -> listener.onEnd());
        request.exceptionHandler(listener::onClientGone);
        if (expectContinue) {
            request.response().writeContinue();
        }
        // Quarkus hands the request over paused; nothing arrives until we ask.
        request.resume();
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
