package io.resumableupload.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

import io.resumableupload.persistence.DatabaseException;
import io.resumableupload.protocol.TusError;

/** Which database failures answer 503 (try again) and which are bugs (500), by SQLState. */
class FailuresTest {

    @Test
    void a_database_out_of_reach_or_too_slow_answers_503_and_a_refused_statement_does_not() {
        for (String state : new String[] { "08006", "08001", "53300", "57P01", "57014" }) {
            assertEquals(TusError.DATABASE_UNAVAILABLE,
                    Failures.infrastructureError(new DatabaseException(new SQLException("failed", state))), state);
        }
        for (String state : new String[] { "23505", "22001", "42P01" }) {
            assertNull(Failures.infrastructureError(new DatabaseException(new SQLException("refused", state))), state);
        }
    }
}
