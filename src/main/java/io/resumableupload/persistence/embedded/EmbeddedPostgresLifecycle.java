package io.resumableupload.persistence.embedded;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Stops the embedded PostgreSQL after everything else in the shutdown (observers run by ascending priority, and
 * in-flight uploads drain in an earlier one), so the last offsets are committed first. In dev mode it keeps running
 * across live reloads and stops when the JVM exits.
 */
@ApplicationScoped
public class EmbeddedPostgresLifecycle {

    void onStartup(@Observes StartupEvent event) {
        EmbeddedPostgres.applicationStarted();
    }

    void onShutdown(@Observes @Priority(Integer.MAX_VALUE) ShutdownEvent event) {
        if (LaunchMode.current() != LaunchMode.DEVELOPMENT) {
            EmbeddedPostgres.stop();
        }
    }
}
