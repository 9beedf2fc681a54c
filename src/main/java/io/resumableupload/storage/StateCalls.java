package io.resumableupload.storage;

import java.io.IOException;
import java.sql.SQLException;

/** The cloud backends' calls to their state in PostgreSQL: a failed statement becomes an {@link IOException}. */
public final class StateCalls {

    private StateCalls() {
    }

    /** A statement that returns something. */
    @FunctionalInterface
    public interface SqlCall<T> {
        T run() throws SQLException;
    }

    /** A statement that returns nothing. */
    @FunctionalInterface
    public interface SqlRun {
        void run() throws SQLException;
    }

    /** Runs {@code call} for the named backend ("S3", "Azure", "GCS"). */
    public static <T> T db(String backend, SqlCall<T> call) throws IOException {
        try {
            return call.run();
        } catch (SQLException e) {
            throw new IOException("the " + backend + " backend's state could not be read or written", e);
        }
    }

    /** Runs {@code call} for the named backend ("S3", "Azure", "GCS"). */
    public static void db(String backend, SqlRun call) throws IOException {
        db(backend, () -> {
            call.run();
            return null;
        });
    }
}
