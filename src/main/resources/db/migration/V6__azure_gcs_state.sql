-- State of the Azure backend (io.resumableupload.storage.azure). The blob's committed block list is the truth about
-- its bytes; this row holds what a commit must repeat (the Content-Type) or must never change (the block size), and
-- is what finds a blob whose upload row is gone. No foreign key to upload: a row is created before its upload's row
-- commits, and must outlive it until the blob is gone (AzureState).
CREATE TABLE azure_upload (
    upload_id     VARCHAR(64)  PRIMARY KEY,
    -- Content-Type of the blob, from the filetype metadata (every Put Block List sets it again).
    content_type  TEXT         NOT NULL,
    -- Fixed at the first byte stored: block n covers [n*block_size, (n+1)*block_size).
    block_size    BIGINT,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- State of the GCS backend (io.resumableupload.storage.gcs): the segment objects describe the bytes; this row holds
-- the Content-Type the final object is composed with and finds objects whose upload row is gone (GcsState).
CREATE TABLE gcs_upload (
    upload_id     VARCHAR(64)  PRIMARY KEY,
    content_type  TEXT         NOT NULL,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now()
);
