package io.resumableupload.persistence;

import java.sql.SQLException;

/** A failed statement; its cause tells whether the database was unreachable (503) or something else broke. */
public class DatabaseException extends RuntimeException {

    public DatabaseException(SQLException cause) {
        super(cause.getMessage(), cause);
    }

    /**
     * {@code failure}, handed over from the thread that ran a statement for another (a group commit), to be thrown
     * on this one: a statement's failure again with this thread's stack (the cause stays the statement's).
     */
    static RuntimeException onCallersThread(RuntimeException failure) {
        if (failure instanceof DatabaseException && failure.getCause() instanceof SQLException sql) {
            return new DatabaseException(sql);
        }
        return failure;
    }
}
