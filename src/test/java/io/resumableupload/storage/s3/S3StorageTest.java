package io.resumableupload.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.storage.StorageUnavailableException;
import io.resumableupload.storage.UploadStorage;
import io.resumableupload.storage.UploadStorageContract;
import io.resumableupload.support.S3FaultProxy;
import io.resumableupload.support.S3Proxy;

/**
 * The S3 backend runs the storage contract against s3proxy, with the smallest part S3 allows (5 MiB) and its state
 * in the test database; every {@link #storage()} is a new client and backend, as after a restart.
 */
@QuarkusTest
class S3StorageTest extends UploadStorageContract {

    private static final String PREFIX = "contract/";
    private static final Path SPOOL = Path.of("target/contract-spool");
    private static final int PART = 5 * 1024 * 1024;

    @Inject
    AgroalDataSource dataSource;

    @Override
    protected UploadStorage storage() throws Exception {
        return backend(PREFIX);
    }

    S3Storage backend(String prefix) throws Exception {
        return backend(prefix, S3Proxy.shared().endpoint(), 6);
    }

    S3Storage backend(String prefix, URI endpoint, int maxAttempts) throws Exception {
        Files.createDirectories(SPOOL);
        S3Clients clients = new S3Clients(Optional.of(endpoint), Optional.of("us-east-1"), true,
                Optional.of(S3Proxy.IDENTITY), Optional.of(S3Proxy.CREDENTIAL), maxAttempts);
        return new S3Storage(clients.client(), clients.presigner(), dataSource,
                new S3Storage.Settings(S3Proxy.BUCKET, prefix, PART, 64L << 20, SPOOL, Duration.ofSeconds(2), 3));
    }

    @Override
    protected int partSize() {
        return PART;
    }

    @Override
    protected void assertNothingStored(String uploadId) throws Exception {
        S3Proxy proxy = S3Proxy.shared();
        assertEquals(List.of(), proxy.keys(PREFIX + uploadId));
        assertEquals(List.of(), proxy.multipartUploads(PREFIX + uploadId));
        assertEquals(0, count("SELECT count(*) FROM s3_upload WHERE upload_id = ?", uploadId));
    }

    @Override
    protected void assertScratchSpaceEmpty() throws Exception {
        try (var files = Files.list(SPOOL)) {
            assertEquals(List.of(), files.toList(), "files left in the spool directory");
        }
    }

    /** 10,000 parts at most: the part size grows with the length, or with the maximum size while it is deferred. */
    @Test
    void part_sizes_keep_every_upload_within_ten_thousand_parts() throws Exception {
        S3Storage storage = backend(PREFIX);
        assertEquals(PART, storage.partSizeFor(0L));
        assertEquals(PART, storage.partSizeFor(10_000L * PART));
        long huge = 5L * 1024 * 1024 * 1024 * 1024;
        long part = storage.partSizeFor(huge);
        assertTrue(S3Storage.ceilDiv(huge, part) <= 10_000);
        assertEquals(0, part % (1024 * 1024));
        // Deferred: sized from tus.max-size (64 MiB here), so the configured size stands.
        assertEquals(PART, storage.partSizeFor(null));
    }

    @Test
    void the_finished_object_has_the_uploads_content_type_and_a_presigned_url_serves_it() throws Exception {
        S3Storage storage = backend(PREFIX);
        String id = newId();
        storage.create(id, "image/png");
        byte[] data = bytes(PART + 10);
        append(storage, id, 0, (long) data.length, data, 0, data.length);
        storage.finish(id, data.length);
        assertEquals("image/png",
                S3Proxy.shared().client().headObject(r -> r.bucket(S3Proxy.BUCKET).key(PREFIX + id)).contentType());

        URI url = storage.presignDownload(id, "image/png", "attachment; filename=\"a.png\"", Duration.ofMinutes(1));
        HttpResponse<byte[]> got = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(url).header("Range", "bytes=0-99").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, got.statusCode());
        assertEquals(100, got.body().length);
        assertEquals("attachment; filename=\"a.png\"", got.headers().firstValue("Content-Disposition").orElseThrow());
        storage.delete(id);
    }

    @Test
    void a_small_upload_in_one_append_is_a_single_put_without_a_multipart_upload() throws Exception {
        S3Storage storage = backend(PREFIX);
        String id = newId();
        storage.create(id, "text/plain");
        byte[] data = bytes(1000);
        append(storage, id, 0, (long) data.length, data, 0, data.length);
        assertEquals(List.of(), S3Proxy.shared().multipartUploads(PREFIX + id));
        assertEquals(List.of(PREFIX + id), S3Proxy.shared().keys(PREFIX + id));
        storage.finish(id, data.length);
        assertEquals(1, count("SELECT count(*) FROM s3_upload WHERE upload_id = ? AND completed", id));
    }

    /** Tails are parked under new keys and the superseded ones go once the committed offset is past them. */
    @Test
    void a_tail_is_kept_until_an_append_at_a_later_committed_offset_replaces_it() throws Exception {
        String id = newId();
        backend(PREFIX).create(id, "application/octet-stream");
        byte[] data = bytes(3000);
        long committed = append(backend(PREFIX), id, 0, null, data, 0, 1000);
        assertEquals(List.of(PREFIX + id + ".tail.1000"), S3Proxy.shared().keys(PREFIX + id));
        // A second append whose compare-and-set is lost: its tail is garbage, the committed one stays.
        append(backend(PREFIX), id, committed, null, data, 1000, 1000);
        assertEquals(List.of(PREFIX + id + ".tail.1000", PREFIX + id + ".tail.2000"),
                S3Proxy.shared().keys(PREFIX + id));
        committed = append(backend(PREFIX), id, committed, null, data, 1000, 2000);
        // Opening at 1000 dropped the garbage tail; 3000 is the one in force now, 1000 goes at the next append.
        assertEquals(List.of(PREFIX + id + ".tail.1000", PREFIX + id + ".tail.3000"),
                S3Proxy.shared().keys(PREFIX + id));
        backend(PREFIX).finish(id, 3000);
        assertEquals(List.of(PREFIX + id), S3Proxy.shared().keys(PREFIX + id));
        assertEquals(3000, read(id, 0, 3000).length);
        backend(PREFIX).delete(id);
        assertNothingStored(id);
    }

    /** State whose upload row is gone (a deletion while S3 was down, a crash during creation) is reclaimed. */
    @Test
    void objects_of_uploads_without_a_row_are_reclaimed() throws Exception {
        S3Storage storage = backend(PREFIX);
        String id = newId();
        storage.create(id, "application/octet-stream");
        byte[] data = bytes(PART + 100);
        append(storage, id, 0, null, data, 0, data.length);
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "UPDATE s3_upload SET created_at = now() - interval '2 hours' WHERE upload_id = ?")) {
            s.setString(1, id);
            s.executeUpdate();
        }
        assertTrue(storage.reclaimOrphans(Duration.ofHours(1)) >= 1);
        assertNothingStored(id);
    }

    private long count(String sql, String id) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, id);
            try (ResultSet row = s.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    /** 503 SlowDown is retried with backoff inside the backend; throttling that does not end is "unavailable". */
    @Test
    void throttling_is_retried_with_backoff_then_reported_as_storage_unavailable() throws Exception {
        try (S3FaultProxy faults = new S3FaultProxy(S3Proxy.shared().port())) {
            AtomicInteger puts = new AtomicInteger();
            faults.rule((method, target) -> method.equals("PUT") && puts.incrementAndGet() <= 2 ? S3FaultProxy.Action.SLOW_DOWN
                    : S3FaultProxy.Action.FORWARD);
            S3Storage storage = backend(PREFIX, URI.create(faults.endpoint()), 4);
            String id = newId();
            storage.create(id, "application/octet-stream");
            byte[] data = bytes(PART + 1000);
            // One part and one tail: the first two puts are throttled and retried.
            assertEquals(data.length, append(storage, id, 0, null, data, 0, data.length));
            assertEquals(2, faults.slowDowns());

            faults.rule((method, target) -> method.equals("PUT") ? S3FaultProxy.Action.SLOW_DOWN : S3FaultProxy.Action.FORWARD);
            StorageUnavailableException e = assertThrows(StorageUnavailableException.class,
                    () -> append(storage, id, data.length, null, data, 0, 10));
            assertTrue(e.getMessage().contains("SlowDown") || e.getMessage().contains("reduce"), e.getMessage());
            assertEquals(2 + 4, faults.slowDowns());
            storage.delete(id);
            assertNothingStored(id);
        }
    }
}
