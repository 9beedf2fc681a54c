package io.resumableupload.api;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.resumableupload.config.TusConfig;
import io.resumableupload.upload.RequestBody;

/**
 * As a request arrives, before it waits for anything: keeps the bytes of an upload body that Vert.x delivers before
 * the append starts ({@link RequestBody#keepEarlyBytes}), so a client that sends part of a body and closes keeps it.
 */
@Singleton
public class EarlyBytesFilter {

    /** Right after {@link ConnectionClose}, before anything that could answer or wait. */
    private static final int PRIORITY = 900;

    private final long readAheadMaxSize;

    EarlyBytesFilter(TusConfig config) {
        this.readAheadMaxSize = config.patch().readAheadMaxSize().asLongValue();
    }

    void register(@Observes Filters filters) {
        filters.register(context -> {
            RequestBody.keepEarlyBytes(context, readAheadMaxSize);
            context.next();
            // Back from the handlers that run at once on this event loop: the REST layer has taken the request over
            // (and paused it) and handed it to a worker.
            RequestBody.readAhead(context);
        }, PRIORITY);
    }
}
