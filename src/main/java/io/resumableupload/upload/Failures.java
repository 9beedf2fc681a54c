package io.resumableupload.upload;

import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientException;

/** Classifies failures that are not the client's fault. */
public final class Failures {

    private Failures() {
    }

    /** True when {@code failure} (or a cause) means the database cannot be reached right now: answer 503. */
    public static boolean isDatabaseUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLNonTransientConnectionException
                    || t.getClass().getName().equals("org.hibernate.exception.JDBCConnectionException")) {
                return true;
            }
        }
        return false;
    }
}
