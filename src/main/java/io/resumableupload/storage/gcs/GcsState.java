package io.resumableupload.storage.gcs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

/**
 * What the GCS backend keeps in PostgreSQL (table {@code gcs_upload}, migration V6): the Content-Type the final object
 * is composed with, and a row that outlives the upload's until its objects are gone. The bytes are described by the
 * segment objects themselves (their names carry their offsets), which GCS lists consistently.
 */
final class GcsState {

    private final DataSource dataSource;

    GcsState(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void create(String id, String contentType) throws SQLException {
        update("INSERT INTO gcs_upload (upload_id, content_type) VALUES (?, ?) ON CONFLICT (upload_id) DO NOTHING", id,
                contentType);
    }

    Optional<String> contentType(String id) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT content_type FROM gcs_upload WHERE upload_id = ?")) {
            s.setString(1, id);
            try (ResultSet row = s.executeQuery()) {
                return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
            }
        }
    }

    void delete(String id) throws SQLException {
        update("DELETE FROM gcs_upload WHERE upload_id = ?", id);
    }

    /** Uploads with state here but no upload row, older than {@code minAgeSeconds}. */
    List<String> orphans(long minAgeSeconds, int limit) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT upload_id FROM gcs_upload g"
                        + " WHERE created_at < now() - make_interval(secs => ?)"
                        + " AND NOT EXISTS (SELECT 1 FROM upload u WHERE u.id = g.upload_id) LIMIT ?")) {
            s.setLong(1, minAgeSeconds);
            s.setInt(2, limit);
            try (ResultSet row = s.executeQuery()) {
                while (row.next()) {
                    ids.add(row.getString(1));
                }
            }
        }
        return ids;
    }

    private void update(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            s.executeUpdate();
        }
    }
}
