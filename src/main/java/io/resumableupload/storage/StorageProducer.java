package io.resumableupload.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.Startup;
import io.resumableupload.config.TusConfig;
import io.resumableupload.storage.azure.AzureClients;
import io.resumableupload.storage.azure.AzureStorage;
import io.resumableupload.storage.fs.FileSystemStorage;
import io.resumableupload.storage.gcs.GcsStorage;
import io.resumableupload.storage.gcs.SdkGcsApi;
import io.resumableupload.storage.s3.S3Clients;
import io.resumableupload.storage.s3.S3Storage;

/**
 * The one place that picks the storage backend from {@code tus.storage.backend} and builds it (and, for a cloud
 * backend, its SDK client) from {@code tus.storage.<backend>.*}, failing fast with the name of a missing key.
 */
public class StorageProducer {

    /**
     * Built at start-up, not on first use: the first use is a request on an event-loop thread, and building a cloud
     * SDK client there (class loading, credentials, region) blocked it for seconds on a loaded machine.
     */
    @Produces
    @Singleton
    @Startup
    UploadStorage storage(TusConfig config, AgroalDataSource dataSource) {
        TusConfig.Storage storage = config.storage();
        return switch (storage.backend()) {
            case FILESYSTEM -> {
                try {
                    yield new FileSystemStorage(storage.filesystem().directory(), storage.filesystem().fsync(),
                            storage.filesystem().minFreeSpace().asLongValue(),
                            storage.filesystem().syncDirectory() == TusConfig.DirectorySyncMode.ALWAYS);
                } catch (IOException e) {
                    throw new UncheckedIOException("tus.storage.filesystem.directory="
                            + storage.filesystem().directory() + " cannot be created or read", e);
                }
            }
            case S3 -> s3(config, dataSource);
            case AZURE -> azure(config, dataSource);
            case GCS -> gcs(config, dataSource);
        };
    }

    private static GcsStorage gcs(TusConfig config, AgroalDataSource dataSource) {
        TusConfig.Storage.Gcs gcs = config.storage().gcs();
        String bucket = gcs.bucket().filter(b -> !b.isBlank())
                .orElseThrow(() -> new IllegalStateException("tus.storage.backend=gcs needs tus.storage.gcs.bucket"));
        Path spool = spoolDirectory("tus.storage.gcs.spool-directory", gcs.spoolDirectory());
        return new GcsStorage(SdkGcsApi.connect(bucket, gcs.endpoint(), gcs.maxAttempts()), dataSource,
                new GcsStorage.Settings(bucket, gcs.prefix().orElse(""), gcs.segmentSize().asLongValue(),
                        config.maxSize().asLongValue(), spool, gcs.healthTimeout()));
    }

    private static AzureStorage azure(TusConfig config, AgroalDataSource dataSource) {
        TusConfig.Storage.Azure azure = config.storage().azure();
        String container = azure.container().filter(c -> !c.isBlank()).orElseThrow(
                () -> new IllegalStateException("tus.storage.backend=azure needs tus.storage.azure.container"));
        AzureClients clients = new AzureClients(azure.connectionString().filter(c -> !c.isBlank()), azure.endpoint(),
                azure.maxAttempts());
        Path spool = spoolDirectory("tus.storage.azure.spool-directory", azure.spoolDirectory());
        return new AzureStorage(clients.container(container), clients.sharedKey(), dataSource,
                new AzureStorage.Settings(container, azure.prefix().orElse(""), azure.blockSize().asLongValue(),
                        config.maxSize().asLongValue(), spool, azure.healthTimeout()));
    }

    private static Path spoolDirectory(String key, java.util.Optional<Path> configured) {
        Path spool = configured.orElse(Path.of(System.getProperty("java.io.tmpdir")));
        try {
            Files.createDirectories(spool);
        } catch (IOException e) {
            throw new UncheckedIOException(key + "=" + spool + " cannot be created", e);
        }
        return spool;
    }

    private static S3Storage s3(TusConfig config, AgroalDataSource dataSource) {
        TusConfig.Storage.S3 s3 = config.storage().s3();
        String bucket = s3.bucket().filter(b -> !b.isBlank())
                .orElseThrow(() -> new IllegalStateException("tus.storage.backend=s3 needs tus.storage.s3.bucket"));
        S3Clients clients = new S3Clients(s3.endpoint(), s3.region(), s3.pathStyle(), s3.accessKeyId(),
                s3.secretAccessKey(), s3.maxAttempts());
        Path spool = spoolDirectory("tus.storage.s3.spool-directory", s3.spoolDirectory());
        return new S3Storage(clients.client(), clients.presigner(), dataSource, new S3Storage.Settings(bucket,
                s3.prefix().orElse(""), s3.partSize().asLongValue(), config.maxSize().asLongValue(), spool,
                s3.healthTimeout(), s3.partUploads()));
    }
}
