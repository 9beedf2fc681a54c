package io.resumableupload.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.agroal.api.AgroalDataSource;
import io.resumableupload.config.TusConfig;
import io.resumableupload.storage.fs.FileSystemStorage;
import io.resumableupload.storage.s3.S3Storage;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The one place that picks the storage backend from {@code tus.storage.backend} and builds it (and, for a cloud
 * backend, its SDK client) from {@code tus.storage.<backend>.*}, failing fast with the name of a missing key.
 */
public class StorageProducer {

    @Produces
    @Singleton
    UploadStorage storage(TusConfig config, AgroalDataSource dataSource) {
        TusConfig.Storage storage = config.storage();
        return switch (storage.backend()) {
            case FILESYSTEM -> {
                try {
                    yield new FileSystemStorage(storage.filesystem().directory(), storage.filesystem().fsync());
                } catch (IOException e) {
                    throw new UncheckedIOException("tus.storage.filesystem.directory="
                            + storage.filesystem().directory() + " cannot be created or read", e);
                }
            }
            case S3 -> s3(config, dataSource);
        };
    }

    private static S3Storage s3(TusConfig config, AgroalDataSource dataSource) {
        TusConfig.Storage.S3 s3 = config.storage().s3();
        String bucket = s3.bucket().filter(b -> !b.isBlank())
                .orElseThrow(() -> new IllegalStateException("tus.storage.backend=s3 needs tus.storage.s3.bucket"));
        if (s3.accessKeyId().isPresent() != s3.secretAccessKey().isPresent()) {
            throw new IllegalStateException(
                    "tus.storage.s3.access-key-id and tus.storage.s3.secret-access-key go together: set both or neither");
        }
        AwsCredentialsProvider credentials = s3.accessKeyId().isPresent()
                ? StaticCredentialsProvider
                        .create(AwsBasicCredentials.create(s3.accessKeyId().get(), s3.secretAccessKey().get()))
                : DefaultCredentialsProvider.builder().build();
        Region region = s3.region().map(Region::of).orElseGet(StorageProducer::defaultRegion);
        S3Configuration serviceConfiguration = S3Configuration.builder().pathStyleAccessEnabled(s3.pathStyle()).build();
        var client = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder()).credentialsProvider(credentials)
                .region(region).serviceConfiguration(serviceConfiguration)
                // Checksums only where S3 requires them: the default (a CRC trailer on every put) is refused by several
                // S3-compatible stores; parts are still covered by the signature and TLS.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        // Standard mode: 5xx and throttling (503 SlowDown) retried with exponential backoff and jitter.
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(s3.maxAttempts())
                                .build())
                        .build());
        var presigner = S3Presigner.builder().credentialsProvider(credentials).region(region)
                .serviceConfiguration(serviceConfiguration);
        s3.endpoint().ifPresent(endpoint -> {
            client.endpointOverride(endpoint);
            presigner.endpointOverride(endpoint);
        });
        Path spool = s3.spoolDirectory().orElse(Path.of(System.getProperty("java.io.tmpdir")));
        try {
            Files.createDirectories(spool);
        } catch (IOException e) {
            throw new UncheckedIOException("tus.storage.s3.spool-directory=" + spool + " cannot be created", e);
        }
        return new S3Storage(client.build(), presigner.build(), dataSource, new S3Storage.Settings(bucket,
                s3.prefix().orElse(""), s3.partSize().asLongValue(), config.maxSize().asLongValue(), spool,
                s3.healthTimeout()));
    }

    private static Region defaultRegion() {
        try {
            return DefaultAwsRegionProviderChain.builder().build().getRegion();
        } catch (RuntimeException e) {
            return Region.US_EAST_1;
        }
    }
}
