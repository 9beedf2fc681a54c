package io.resumableupload.persistence.embedded;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Stops the embedded PostgreSQL after everything else in the shutdown (observers run by ascending priority, and
 * in-flight uploads drain in an earlier one), so the last offsets are committed first. Dev mode too: a live reload
 * loads this code again in a new class loader, which cannot reach the running server (it starts a new one, a few
 * seconds), and the old one held the data directory's lock, so the reload failed.
 */
@ApplicationScoped
public class EmbeddedPostgresLifecycle {

    void onStartup(@Observes StartupEvent event) {
        EmbeddedPostgres.applicationStarted();
    }

    void onShutdown(@Observes @Priority(Integer.MAX_VALUE) ShutdownEvent event) {
        EmbeddedPostgres.stop();
    }
}
