-- State of the S3 backend (io.resumableupload.storage.s3): what S3 is never asked for. No foreign key to upload:
-- a row is created before its upload's row commits, and must outlive it until the objects are gone (S3State).
CREATE TABLE s3_upload (
    upload_id     VARCHAR(64)  PRIMARY KEY,
    -- Content-Type of the finished object, from the filetype metadata.
    content_type  TEXT         NOT NULL,
    -- Fixed at the first byte stored: part n covers [(n-1)*part_size, n*part_size).
    part_size     BIGINT,
    -- The multipart upload receiving parts; NULL before the first part and once completed.
    multipart_id  TEXT,
    -- The object holds the upload's bytes (set before the offset compare-and-set).
    completed     BOOLEAN      NOT NULL DEFAULT false,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- The ETag of every part uploaded to the current multipart upload: completion uses these, never ListParts.
CREATE TABLE s3_part (
    upload_id    VARCHAR(64)  NOT NULL REFERENCES s3_upload (upload_id) ON DELETE CASCADE,
    part_number  INTEGER      NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
    etag         TEXT         NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);

-- Every tail object (<key>.tail.<end>), recorded before it is written so that none is ever orphaned.
CREATE TABLE s3_tail (
    upload_id   VARCHAR(64)  NOT NULL REFERENCES s3_upload (upload_id) ON DELETE CASCADE,
    end_offset  BIGINT       NOT NULL,
    PRIMARY KEY (upload_id, end_offset)
);
