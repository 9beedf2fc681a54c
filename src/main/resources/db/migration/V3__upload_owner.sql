-- tus.auth.mode=jwt: who created the upload (the tus.auth.owner-claim of the creator's token). Only they may touch
-- it; everyone else gets 404. NULL for uploads created without authentication (tus.auth.mode=none).
ALTER TABLE upload ADD COLUMN owner TEXT;
