package io.resumableupload.storage.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import jakarta.inject.Inject;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.storage.UploadStorage;
import io.resumableupload.storage.UploadStorageContract;

/**
 * Opt-in: the storage contract against a real bucket through the SDK adapter, which nothing here can run (no faithful
 * GCS emulator). Not part of the default build; run it with credentials (Application Default Credentials) and a
 * bucket you may write to:
 *
 * <pre>
 * TUS_TEST_GCS_BUCKET=my-test-bucket ./mvnw -B test -Pgcs-bucket -Dtest=GcsBucketStorageTest
 * </pre>
 */
@QuarkusTest
class GcsBucketStorageTest extends UploadStorageContract {

    private static final String PREFIX = "tus-contract/";
    private static final Path SPOOL = Path.of("target/gcs-bucket-spool");
    private static final int SEGMENT = 256 * 1024;

    @Inject
    AgroalDataSource dataSource;

    private static String bucket() {
        String bucket = System.getenv("TUS_TEST_GCS_BUCKET");
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalStateException("set TUS_TEST_GCS_BUCKET to a bucket these credentials may write to");
        }
        return bucket;
    }

    @Override
    protected UploadStorage storage() throws Exception {
        Files.createDirectories(SPOOL);
        return new GcsStorage(SdkGcsApi.connect(bucket(), Optional.empty(), 6), dataSource,
                new GcsStorage.Settings(bucket(), PREFIX, SEGMENT, 64L << 20, SPOOL, Duration.ofSeconds(5)));
    }

    @Override
    protected int partSize() {
        return SEGMENT;
    }

    @Override
    protected void assertNothingStored(String uploadId) throws Exception {
        assertEquals(List.of(), SdkGcsApi.connect(bucket(), Optional.empty(), 6).list(PREFIX + uploadId));
    }
}
