package io.resumableupload.storage;

import java.io.IOException;
import java.io.UncheckedIOException;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.resumableupload.config.TusConfig;
import io.resumableupload.storage.fs.FileSystemStorage;

/** The one place that picks the storage backend from {@code tus.storage.backend}. */
public class StorageProducer {

    @Produces
    @Singleton
    UploadStorage storage(TusConfig config) {
        TusConfig.Storage storage = config.storage();
        return switch (storage.backend()) {
            case FILESYSTEM -> {
                try {
                    yield new FileSystemStorage(storage.filesystem().directory(), storage.filesystem().fsync(),
                            storage.filesystem().minFreeSpace().asLongValue());
                } catch (IOException e) {
                    throw new UncheckedIOException("tus.storage.filesystem.directory="
                            + storage.filesystem().directory() + " cannot be created or read", e);
                }
            }
        };
    }
}
