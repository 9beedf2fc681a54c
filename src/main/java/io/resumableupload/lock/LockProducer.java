package io.resumableupload.lock;

import io.resumableupload.config.TusConfig;
import io.resumableupload.lock.memory.MemoryUploadLocks;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The one place that picks the lock backend from {@code tus.lock.backend}. */
public class LockProducer {

    @Produces
    @Singleton
    UploadLocks locks(TusConfig config) {
        return switch (config.lock().backend()) {
            case MEMORY -> new MemoryUploadLocks();
        };
    }
}
