package io.resumableupload.upload;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientException;

import io.resumableupload.lock.LockUnavailableException;
import io.resumableupload.protocol.TusError;
import io.resumableupload.storage.StorageFullException;
import io.resumableupload.storage.StorageUnavailableException;
import io.resumableupload.storage.UploadBytesLostException;

/** Classifies failures that are not the client's fault. */
public final class Failures {

    private Failures() {
    }

    /**
     * The error naming the infrastructure fault behind {@code failure} (or a cause): a full storage (507), storage,
     * database or lock backend out of reach (503), bytes lost by the storage (410). Null when it is none of these,
     * i.e. a bug (500).
     */
    public static TusError infrastructureError(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StorageFullException) {
                return TusError.STORAGE_FULL;
            }
            if (t instanceof StorageUnavailableException) {
                return TusError.STORAGE_UNAVAILABLE;
            }
            if (t instanceof UploadBytesLostException) {
                return TusError.UPLOAD_LOST;
            }
            if (t instanceof LockUnavailableException) {
                return TusError.LOCK_UNAVAILABLE;
            }
        }
        return isDatabaseUnavailable(failure) ? TusError.DATABASE_UNAVAILABLE : null;
    }

    /** True when {@code failure} (or a cause) means the database cannot be reached right now: answer 503. */
    public static boolean isDatabaseUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLNonTransientConnectionException
                    || t.getClass().getName().equals("org.hibernate.exception.JDBCConnectionException")) {
                return true;
            }
            if (t instanceof SQLException sql && isUnavailableState(sql)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isUnavailableState(SQLException e) {
        String state = e.getSQLState();
        if (state == null) {
            // Agroal's pool gives no SQLState when no connection frees up in time.
            return e.getMessage() != null && e.getMessage().contains("acquisition timeout");
        }
        // 08: connection exception; 53: insufficient resources; 57P01-03: admin shutdown, crash, cannot connect now;
        // 57014: a statement cancelled by its timeout (a database too slow to answer, e.g. a lock group's round trip).
        return state.startsWith("08") || state.startsWith("53") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03") || state.equals("57014");
    }
}
