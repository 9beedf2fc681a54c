package io.resumableupload.ops;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.resumableupload.upload.UploadService;

/** Readiness: DOWN once shutdown has begun, so the load balancer stops sending uploads here first. */
@Readiness
@ApplicationScoped
public class DrainingHealthCheck implements HealthCheck {

    private final UploadService uploads;

    DrainingHealthCheck(UploadService uploads) {
        this.uploads = uploads;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("accepting uploads").status(!uploads.draining()).build();
    }
}
