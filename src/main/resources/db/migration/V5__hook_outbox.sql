-- Post-* hook events waiting to be delivered (io.resumableupload.hooks.HookOutbox). A row is written in the same
-- transaction as the state change it reports, so an event exists if and only if its change was committed; it is
-- deleted in the transaction that saw the receiver's 2xx. Any replica may deliver any row: it claims rows with
-- SELECT ... FOR UPDATE SKIP LOCKED and holds the row lock while sending, so one replica at a time sends an event,
-- and a replica that dies (kill -9) releases its rows with its connection.
CREATE TABLE hook_outbox (
    -- Write order; delivery follows it per upload (post-create before post-finish).
    seq              BIGSERIAL    PRIMARY KEY,
    -- Sent as Idempotency-Key: the same on every retry, so receivers can deduplicate.
    event_id         UUID         NOT NULL UNIQUE,
    upload_id        VARCHAR(64)  NOT NULL,
    hook_type        VARCHAR(32)  NOT NULL,
    -- The request body exactly as sent (tusd's JSON), fixed when the event happened.
    payload          TEXT         NOT NULL,
    created_at       TIMESTAMPTZ  NOT NULL DEFAULT clock_timestamp(),
    next_attempt_at  TIMESTAMPTZ  NOT NULL DEFAULT clock_timestamp(),
    attempts         INT          NOT NULL DEFAULT 0,
    last_error       TEXT
);

-- "Is there an earlier event for this upload?" (per-upload order) and the scan for due events.
CREATE INDEX hook_outbox_upload_idx ON hook_outbox (upload_id, seq);
CREATE INDEX hook_outbox_due_idx ON hook_outbox (next_attempt_at);
