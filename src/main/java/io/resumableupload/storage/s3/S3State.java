package io.resumableupload.storage.s3;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import javax.sql.DataSource;

/**
 * What the S3 backend knows about each upload, in PostgreSQL (tables {@code s3_upload}, {@code s3_part},
 * {@code s3_tail}, migration V4). S3 is never asked for it: ListParts pages, is eventually consistent on some
 * stores and must not be used to complete an upload (AWS), so every part's ETag is recorded here when its upload
 * returns, and every tail object is recorded here before it is written, so none can be orphaned.
 * Plain JDBC in short auto-commit statements, never inside a caller's transaction.
 */
final class S3State {

    /**
     * One upload's row.
     *
     * @param partSize fixed at the first byte stored, null before
     * @param multipartId the multipart upload receiving parts, null before the first part or once completed
     * @param completed the object {@code <key>} holds the upload's bytes (a completed multipart upload, or a single
     *        put); set before the offset compare-and-set, so it may hold more than the committed offset
     * @param tails the end offsets of the tail objects written and not yet deleted
     */
    record Upload(String contentType, Long partSize, String multipartId, boolean completed, List<Long> tails) {
    }

    private final DataSource dataSource;

    S3State(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void create(String id, String contentType) throws SQLException {
        update("INSERT INTO s3_upload (upload_id, content_type) VALUES (?, ?) ON CONFLICT (upload_id) DO NOTHING", id,
                contentType);
    }

    Optional<Upload> find(String id) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT content_type, part_size, multipart_id, completed,"
                        + " ARRAY(SELECT end_offset FROM s3_tail t WHERE t.upload_id = u.upload_id ORDER BY end_offset)"
                        + " FROM s3_upload u WHERE upload_id = ?")) {
            s.setString(1, id);
            try (ResultSet row = s.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                long partSize = row.getLong(2);
                Long boxedPartSize = row.wasNull() ? null : partSize;
                Array tails = row.getArray(5);
                List<Long> ends = Arrays.asList((Long[]) tails.getArray());
                return Optional.of(new Upload(row.getString(1), boxedPartSize, row.getString(3), row.getBoolean(4),
                        List.copyOf(ends)));
            }
        }
    }

    /** Fixes the part size if it is not fixed yet; returns the one in force. */
    long fixPartSize(String id, String contentType, long partSize) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("INSERT INTO s3_upload (upload_id, content_type, part_size)"
                        + " VALUES (?, ?, ?) ON CONFLICT (upload_id) DO UPDATE"
                        + " SET part_size = COALESCE(s3_upload.part_size, EXCLUDED.part_size) RETURNING part_size")) {
            s.setString(1, id);
            s.setString(2, contentType);
            s.setLong(3, partSize);
            try (ResultSet row = s.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    /** Records the multipart upload now receiving parts (null: none), which also forgets the old one's ETags. */
    void startMultipart(String id, String multipartId) throws SQLException {
        update("WITH forgotten AS (DELETE FROM s3_part WHERE upload_id = ?)"
                + " UPDATE s3_upload SET multipart_id = ?, completed = false WHERE upload_id = ?", id, multipartId, id);
    }

    void putPart(String id, int partNumber, String etag) throws SQLException {
        update("INSERT INTO s3_part (upload_id, part_number, etag) VALUES (?, ?, ?)"
                + " ON CONFLICT (upload_id, part_number) DO UPDATE SET etag = EXCLUDED.etag", id, partNumber, etag);
    }

    /** The recorded ETags by part number. */
    TreeMap<Integer, String> parts(String id) throws SQLException {
        TreeMap<Integer, String> parts = new TreeMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT part_number, etag FROM s3_part WHERE upload_id = ?")) {
            s.setString(1, id);
            try (ResultSet row = s.executeQuery()) {
                while (row.next()) {
                    parts.put(row.getInt(1), row.getString(2));
                }
            }
        }
        return parts;
    }

    void markCompleted(String id) throws SQLException {
        update("WITH forgotten AS (DELETE FROM s3_part WHERE upload_id = ?)"
                + " UPDATE s3_upload SET multipart_id = NULL, completed = true WHERE upload_id = ?", id, id);
    }

    /** Records a tail object before it is written. */
    void addTail(String id, long end) throws SQLException {
        update("INSERT INTO s3_tail (upload_id, end_offset) VALUES (?, ?) ON CONFLICT DO NOTHING", id, end);
    }

    void removeTails(String id, List<Long> ends) throws SQLException {
        if (ends.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("DELETE FROM s3_tail WHERE upload_id = ? AND end_offset = ANY (?)")) {
            s.setString(1, id);
            s.setArray(2, c.createArrayOf("bigint", ends.toArray()));
            s.executeUpdate();
        }
    }

    /** Forgets the upload (its parts and tails cascade). */
    void delete(String id) throws SQLException {
        update("DELETE FROM s3_upload WHERE upload_id = ?", id);
    }

    /**
     * Uploads this backend holds state for whose upload row is gone (deleted while S3 was unreachable, or a crash
     * between steps), and that are older than {@code minAgeSeconds} (a creation in progress has no row yet).
     */
    List<String> orphans(long minAgeSeconds, int limit) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT upload_id FROM s3_upload s"
                        + " WHERE created_at < now() - make_interval(secs => ?)"
                        + " AND NOT EXISTS (SELECT 1 FROM upload u WHERE u.id = s.upload_id) LIMIT ?")) {
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
