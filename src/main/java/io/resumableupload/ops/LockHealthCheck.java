package io.resumableupload.ops;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.resumableupload.lock.UploadLocks;

/** Readiness: the lock backend answers (a replica that cannot lock must not take uploads). */
@Readiness
@ApplicationScoped
public class LockHealthCheck implements HealthCheck {

    private final UploadLocks locks;

    LockHealthCheck(UploadLocks locks) {
        this.locks = locks;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            locks.checkAvailable();
            return HealthCheckResponse.up("upload locks");
        } catch (Exception e) {
            return HealthCheckResponse.named("upload locks").down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
