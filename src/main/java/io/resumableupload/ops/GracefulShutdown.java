package io.resumableupload.ops;

import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.resumableupload.config.TusConfig;
import io.resumableupload.upload.UploadService;

/**
 * On SIGTERM: readiness goes DOWN, new uploads get 503, and every PATCH in flight stores what it received,
 * advances its offset and answers 503, before the database and the HTTP server go away. Clients resume on
 * another replica.
 */
@ApplicationScoped
public class GracefulShutdown {

    private static final Logger LOG = Logger.getLogger(GracefulShutdown.class);

    private final UploadService uploads;
    private final TusConfig config;
    private final AtomicBoolean drained = new AtomicBoolean();

    GracefulShutdown(UploadService uploads, TusConfig config) {
        this.uploads = uploads;
        this.config = config;
    }

    /** First signal of a shutdown when quarkus.shutdown.delay is set: fired before the delay starts. */
    void onShutdownDelay(@Observes ShutdownDelayInitiatedEvent event) {
        drain();
    }

    /** Runs before other shutdown observers (high priority first), while the datasource is still open. */
    void onShutdown(@Observes @Priority(1) ShutdownEvent event) {
        drain();
    }

    private void drain() {
        if (!drained.compareAndSet(false, true)) {
            return;
        }
        long start = System.nanoTime();
        int left = uploads.drain(config.shutdown().drainTimeout());
        LOG.infof("shutdown: in-flight uploads stored their bytes in %d ms (%d still running)",
                (System.nanoTime() - start) / 1_000_000, left);
    }
}
