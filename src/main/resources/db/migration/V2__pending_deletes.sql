-- Set when the storage was found to no longer hold the bytes an upload's offset counts (its file deleted or emptied
-- behind the server's back). The row is then a tombstone like an expired one (expired_at is set in the same
-- statement, so every query that skips tombstones skips it) and answers 410 ERR_UPLOAD_LOST until it is purged.
ALTER TABLE upload ADD COLUMN lost_at TIMESTAMPTZ;

-- Bytes still to delete from storage whose upload row is already gone or a tombstone. A row lands here in the same
-- statement that deletes (or tombstones) the upload row, and leaves once the storage has deleted the bytes; the
-- reaper retries what is left. So a DELETE, an expiry or a failed creation that the storage cannot carry out at once
-- (a read-only mount, an unreachable bucket) never orphans bytes.
CREATE TABLE pending_delete (
    upload_id   VARCHAR(64)  PRIMARY KEY,
    since       TIMESTAMPTZ  NOT NULL,
    attempts    INT          NOT NULL DEFAULT 0,
    last_error  TEXT
);
