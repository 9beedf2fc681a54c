package io.resumableupload.persistence;

import java.sql.SQLException;

/** A failed statement; its cause tells whether the database was unreachable (503) or something else broke. */
public class DatabaseException extends RuntimeException {

    public DatabaseException(SQLException cause) {
        super(cause.getMessage(), cause);
    }
}
