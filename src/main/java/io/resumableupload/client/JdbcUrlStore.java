package io.resumableupload.client;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;

/**
 * A {@link UrlStore} in any database reachable by JDBC (the driver must be on the classpath). Creates its table,
 * {@code tus_upload_urls}, if missing. Writes replace the row in one transaction, so concurrent writers from
 * several processes or hosts never leave two rows for a fingerprint.
 */
public final class JdbcUrlStore implements UrlStore {

    private static final String TABLE = "tus_upload_urls";

    private final String url;
    private final Properties properties;
    private volatile boolean tableReady;

    /**
     * @param jdbcUrl e.g. {@code jdbc:postgresql://host/db}, {@code jdbc:h2:./uploads}
     * @param properties driver properties such as {@code user} and {@code password}
     */
    public JdbcUrlStore(String jdbcUrl, Properties properties) {
        this.url = jdbcUrl;
        this.properties = properties;
    }

    public JdbcUrlStore(String jdbcUrl) {
        this(jdbcUrl, new Properties());
    }

    @Override
    public Optional<String> get(String fingerprint) throws IOException {
        return run(connection -> {
            try (PreparedStatement select = connection
                    .prepareStatement("SELECT upload_value FROM " + TABLE + " WHERE fingerprint = ?")) {
                select.setString(1, fingerprint);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(row.getString(1)) : Optional.<String> empty();
                }
            }
        });
    }

    @Override
    public void put(String fingerprint, String value) throws IOException {
        run(connection -> {
            connection.setAutoCommit(false);
            try {
                delete(connection, fingerprint);
                try (PreparedStatement insert = connection
                        .prepareStatement("INSERT INTO " + TABLE + " (fingerprint, upload_value) VALUES (?, ?)")) {
                    insert.setString(1, fingerprint);
                    insert.setString(2, value);
                    insert.executeUpdate();
                }
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
            return null;
        });
    }

    @Override
    public void remove(String fingerprint) throws IOException {
        run(connection -> {
            delete(connection, fingerprint);
            return null;
        });
    }

    private static void delete(Connection connection, String fingerprint) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + TABLE + " WHERE fingerprint = ?")) {
            delete.setString(1, fingerprint);
            delete.executeUpdate();
        }
    }

    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T run(Work<T> work) throws IOException {
        try (Connection connection = DriverManager.getConnection(url, properties)) {
            ensureTable(connection);
            return work.run(connection);
        } catch (SQLException e) {
            throw new IOException("URL store " + url + ": " + e.getMessage(), e);
        }
    }

    private synchronized void ensureTable(Connection connection) throws SQLException {
        if (tableReady) {
            return;
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE
                    + " (fingerprint VARCHAR(128) PRIMARY KEY, upload_value VARCHAR(8000) NOT NULL)");
        } catch (SQLException e) {
            // Two processes creating the table at once: in PostgreSQL "IF NOT EXISTS" can still lose the race with
            // a unique violation (23505) or "already exists" (42P07). The table is there either way.
            String state = e.getSQLState();
            if (!"23505".equals(state) && !"42P07".equals(state)) {
                throw e;
            }
            if (!connection.getAutoCommit()) {
                connection.rollback();
            }
        }
        tableReady = true;
    }
}
