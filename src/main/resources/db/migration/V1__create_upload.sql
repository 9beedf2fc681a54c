-- One row per upload. The bytes live in the storage backend; this row is the authority on how many of them count.
CREATE TABLE upload (
    id             VARCHAR(64)  PRIMARY KEY,
    -- NULL while the length is deferred (creation-defer-length).
    upload_length  BIGINT       CHECK (upload_length >= 0),
    -- Bytes durably stored and acknowledged; only ever moved by compare-and-set (UploadRepository).
    upload_offset  BIGINT       NOT NULL DEFAULT 0 CHECK (upload_offset >= 0),
    -- Upload-Metadata exactly as received, echoed byte-exact on HEAD.
    metadata_raw   TEXT,
    -- The same, decoded (values as UTF-8 text), for queries and hooks.
    metadata       JSONB,
    -- 'partial' or 'final' for the concatenation extension, NULL otherwise.
    concat_type    VARCHAR(8)   CHECK (concat_type IN ('partial', 'final')),
    -- Upload-Concat exactly as received, echoed on HEAD.
    concat_raw     TEXT,
    -- For a final upload: the ids of its partials, in order (an id may repeat).
    concat_parts   TEXT[],
    created_at     TIMESTAMPTZ  NOT NULL,
    updated_at     TIMESTAMPTZ  NOT NULL,
    -- When the upload expires; NULL for never.
    expires_at     TIMESTAMPTZ,
    -- Set in the same UPDATE that moves the offset to the length: the upload is complete.
    finished_at    TIMESTAMPTZ,
    -- Set by the reaper once the bytes of an expired upload are deleted; the row stays as a tombstone (410).
    expired_at     TIMESTAMPTZ,
    CHECK (upload_length IS NULL OR upload_offset <= upload_length)
);

-- The reaper's scan: uploads due to expire, and tombstones due to be purged.
CREATE INDEX upload_expires_at_idx ON upload (expires_at) WHERE expires_at IS NOT NULL AND expired_at IS NULL;
CREATE INDEX upload_expired_at_idx ON upload (expired_at) WHERE expired_at IS NOT NULL;
-- Unfinished final uploads waiting for a partial (concatenation-unfinished).
CREATE INDEX upload_waiting_finals_idx ON upload USING GIN (concat_parts)
    WHERE concat_type = 'final' AND finished_at IS NULL;
