package io.resumableupload.ops;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.resumableupload.storage.UploadStorage;

/** Readiness: the storage backend takes writes. (The database check comes with the datasource.) */
@Readiness
@ApplicationScoped
public class StorageHealthCheck implements HealthCheck {

    private final UploadStorage storage;

    StorageHealthCheck(UploadStorage storage) {
        this.storage = storage;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            storage.checkWritable();
            return HealthCheckResponse.up("upload storage");
        } catch (Exception e) {
            return HealthCheckResponse.named("upload storage").down().withData("error", String.valueOf(e.getMessage()))
                    .build();
        }
    }
}
