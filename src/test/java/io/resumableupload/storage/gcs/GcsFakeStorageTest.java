package io.resumableupload.storage.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.storage.UploadStorage;
import io.resumableupload.storage.UploadStorageContract;

/**
 * The GCS backend runs the storage contract on {@link FakeGcs}, with 16 KiB segments so uploads have dozens of them
 * and compaction (32 sources per compose) runs often; its state in the test database. Every {@link #storage()} is a
 * new backend over the same fake bucket, as after a restart. This proves the backend's logic under GCS's rules as the
 * fake models them, not the SDK adapter nor GCS itself.
 */
@QuarkusTest
class GcsFakeStorageTest extends UploadStorageContract {

    private static final String PREFIX = "contract/";
    private static final Path SPOOL = Path.of("target/gcs-contract-spool");
    private static final int SEGMENT = 16 * 1024;
    private static final FakeGcs GCS = new FakeGcs();

    @Inject
    AgroalDataSource dataSource;

    @Override
    protected UploadStorage storage() throws Exception {
        return backend();
    }

    GcsStorage backend() throws Exception {
        Files.createDirectories(SPOOL);
        return new GcsStorage(GCS, dataSource,
                new GcsStorage.Settings("fake", PREFIX, SEGMENT, 64L << 20, SPOOL, Duration.ofSeconds(2)));
    }

    @Override
    protected int partSize() {
        return SEGMENT;
    }

    @Override
    protected void assertNothingStored(String uploadId) throws Exception {
        assertEquals(List.of(), GCS.list(PREFIX + uploadId));
        assertEquals(0, count("SELECT count(*) FROM gcs_upload WHERE upload_id = ?", uploadId));
    }

    @Override
    protected void assertScratchSpaceEmpty() throws Exception {
        try (var files = Files.list(SPOOL)) {
            assertEquals(List.of(), files.toList(), "files left in the spool directory");
        }
    }

    @Test
    void the_fake_enforces_the_rules_the_backend_relies_on() throws Exception {
        FakeGcs gcs = new FakeGcs();
        long first = gcs.create("a", new ByteArrayInputStream(new byte[3]), 3, "x/y", 0);
        assertThrows(GcsApi.PreconditionFailedException.class,
                () -> gcs.create("a", new ByteArrayInputStream(new byte[1]), 1, "x/y", 0));
        long second = gcs.create("a", new ByteArrayInputStream(new byte[1]), 1, "x/y", first);
        assertTrue(second != first);
        assertThrows(GcsApi.PreconditionFailedException.class, () -> gcs.delete("a", first));
        List<String> many = java.util.Collections.nCopies(33, "a");
        assertTrue(assertThrows(java.io.IOException.class, () -> gcs.compose(many, "b", "x/y", null)).getMessage()
                .startsWith("400"));
        assertEquals(32, gcs.compose(many.subList(0, 32), "b", "x/y", 0L).size());
        assertThrows(java.io.IOException.class, () -> gcs.read("b", 30, 3));
    }

    /** Dozens of segments: compaction keeps every compose within 32 sources, and finish leaves only the object. */
    @Test
    void many_segments_compose_within_thirty_two_sources_and_leave_one_object() throws Exception {
        int before = GCS.composes.get();
        byte[] data = bytes(100 * SEGMENT + 5);
        String id = create();
        long committed = 0;
        int[] sizes = { 1000, 3 * SEGMENT, 5, 40 * SEGMENT + 7, 57 * SEGMENT };
        for (int size : sizes) {
            committed = append(storage(), id, committed, (long) data.length, data, (int) committed,
                    (int) Math.min(size, data.length - committed));
        }
        committed = append(storage(), id, committed, (long) data.length, data, (int) committed, data.length - (int) committed);
        assertEquals(data.length, committed);
        finishAndCheck(id, data);
        assertTrue(GCS.composes.get() - before >= 4, "compactions and the final compose");
        assertTrue(GCS.largestCompose.get() <= 32, "largest compose: " + GCS.largestCompose.get());
        assertEquals(List.of(PREFIX + id), GCS.list(PREFIX + id).stream().map(GcsApi.ObjectInfo::name).toList());
        assertEquals("application/octet-stream", GCS.contentType(PREFIX + id).orElseThrow());
        storage().delete(id);
        assertNothingStored(id);
    }

    /** A concatenation of more than 32 partials is composed 32 sources at a time. */
    @Test
    void a_concatenation_of_forty_partials_composes_in_groups() throws Exception {
        byte[] small = bytes(100);
        String partial = finished(small);
        List<String> ids = java.util.Collections.nCopies(40, partial);
        String finalId = create();
        assertEquals(4000, backend().concatenate(finalId, ids));
        byte[] joined = read(finalId, 0, 4000);
        for (int i = 0; i < 40; i++) {
            assertEquals(small[i % 100], joined[i * 100 + i % 100]);
        }
        assertTrue(GCS.largestCompose.get() <= 32);
        storage().delete(finalId);
        storage().delete(partial);
        assertNothingStored(finalId);
    }

    @Test
    void objects_of_uploads_without_a_row_are_reclaimed() throws Exception {
        GcsStorage storage = backend();
        String id = newId();
        storage.create(id, "application/octet-stream");
        byte[] data = bytes(SEGMENT + 100);
        append(storage, id, 0, null, data, 0, data.length);
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "UPDATE gcs_upload SET created_at = now() - interval '2 hours' WHERE upload_id = ?")) {
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
}
