package io.resumableupload.storage.azure;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

/**
 * What the Azure backend keeps in PostgreSQL (table {@code azure_upload}, migration V6): the Content-Type every
 * Put Block List repeats, the block size fixed at the first byte, and a row that outlives the upload's until the blob is
 * gone. The bytes themselves are described by the blob's committed block list, which Azure keeps consistently.
 * Plain JDBC in short auto-commit statements, never inside a caller's transaction.
 */
final class AzureState {

    /** @param blockSize fixed at the first byte stored, null before */
    record Upload(String contentType, Long blockSize) {
    }

    private final DataSource dataSource;

    AzureState(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void create(String id, String contentType) throws SQLException {
        update("INSERT INTO azure_upload (upload_id, content_type) VALUES (?, ?) ON CONFLICT (upload_id) DO NOTHING", id,
                contentType);
    }

    Optional<Upload> find(String id) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c
                        .prepareStatement("SELECT content_type, block_size FROM azure_upload WHERE upload_id = ?")) {
            s.setString(1, id);
            try (ResultSet row = s.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                String contentType = row.getString(1);
                long blockSize = row.getLong(2);
                return Optional.of(new Upload(contentType, row.wasNull() ? null : blockSize));
            }
        }
    }

    /** Fixes the block size if it is not fixed yet; returns the one in force. */
    long fixBlockSize(String id, String contentType, long blockSize) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("INSERT INTO azure_upload (upload_id, content_type, block_size)"
                        + " VALUES (?, ?, ?) ON CONFLICT (upload_id) DO UPDATE"
                        + " SET block_size = COALESCE(azure_upload.block_size, EXCLUDED.block_size) RETURNING block_size")) {
            s.setString(1, id);
            s.setString(2, contentType);
            s.setLong(3, blockSize);
            try (ResultSet row = s.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    void delete(String id) throws SQLException {
        update("DELETE FROM azure_upload WHERE upload_id = ?", id);
    }

    /** Uploads with state here but no upload row, older than {@code minAgeSeconds} (a creation may be in progress). */
    List<String> orphans(long minAgeSeconds, int limit) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT upload_id FROM azure_upload a"
                        + " WHERE created_at < now() - make_interval(secs => ?)"
                        + " AND NOT EXISTS (SELECT 1 FROM upload u WHERE u.id = a.upload_id) LIMIT ?")) {
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
