package io.resumableupload.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** The group commit's statement ({@link UploadRepository#insertAll}) against PostgreSQL: every column as one row's. */
@QuarkusTest
class UploadRepositoryTest {

    @Inject
    UploadRepository repository;

    @Test
    void rows_inserted_together_read_back_as_inserted_one_by_one() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String tag = UUID.randomUUID().toString().substring(0, 8);
        List<UploadRecord> rows = List.of(
                new UploadRecord("batchPlain" + tag, 100L, 0, null, null, null, List.of(), now, now.plusSeconds(60),
                        null, null, null, null),
                new UploadRecord("batchFull" + tag, 5L, 5, "name aGVsbG8=,empty", null, null, List.of(), now,
                        now.plusSeconds(3600), now, null, null, "alice"),
                new UploadRecord("batchPartial" + tag, null, 0, "filetype dGV4dC9wbGFpbg==", ConcatType.PARTIAL,
                        "partial", List.of(), now, null, null, null, null, "bob"));
        repository.insertAll(rows);
        for (UploadRecord row : rows) {
            assertEquals(row, repository.findRecord(row.id()).orElseThrow());
        }
        assertEquals(java.util.Map.of("name", "hello", "empty", ""),
                repository.findRecord("batchFull" + tag).orElseThrow().metadata());
    }

    @Test
    void a_batch_with_a_taken_id_inserts_nothing_and_says_why() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String tag = UUID.randomUUID().toString().substring(0, 8);
        UploadRecord taken = new UploadRecord("batchTaken" + tag, 1L, 0, null, null, null, List.of(), now, null, null,
                null, null, null);
        repository.insert(taken);
        UploadRecord fresh = new UploadRecord("batchFresh" + tag, 1L, 0, null, null, null, List.of(), now, null, null,
                null, null, null);
        DatabaseException refused = assertThrows(DatabaseException.class,
                () -> repository.insertAll(List.of(fresh, taken)));
        assertTrue(((java.sql.SQLException) refused.getCause()).getSQLState().startsWith("23"), refused.toString());
        assertTrue(repository.findRecord(fresh.id()).isEmpty());
    }
}
