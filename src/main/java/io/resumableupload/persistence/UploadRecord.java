package io.resumableupload.persistence;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.resumableupload.protocol.UploadMetadata;

/**
 * An immutable snapshot of an upload row. Services work on snapshots, never on managed entities, because a PATCH
 * crosses threads and outlives any persistence context.
 *
 * @param length the declared length, or null while deferred
 * @param offset the committed offset: bytes durably stored and acknowledged
 * @param concatParts for a final upload, its partials in order; empty otherwise
 * @param expiredAt when the row became a tombstone (expired, or lost), or null
 * @param lostAt when the storage was found to have lost the bytes the offset counts, or null
 * @param owner who created it (tus.auth.owner-claim of its creator's token), or null when created without
 *        authentication
 */
public record UploadRecord(
        String id,
        Long length,
        long offset,
        String metadataRaw,
        ConcatType concatType,
        String concatRaw,
        List<String> concatParts,
        Instant createdAt,
        Instant expiresAt,
        Instant finishedAt,
        Instant expiredAt,
        Instant lostAt,
        String owner) {

    /** An upload without an owner (created with tus.auth.mode=none). */
    public UploadRecord(String id, Long length, long offset, String metadataRaw, ConcatType concatType,
            String concatRaw, List<String> concatParts, Instant createdAt, Instant expiresAt, Instant finishedAt,
            Instant expiredAt, Instant lostAt) {
        this(id, length, offset, metadataRaw, concatType, concatRaw, concatParts, createdAt, expiresAt, finishedAt,
                expiredAt, lostAt, null);
    }

    /** This upload after an append or an assembly moved its offset (and maybe finished it). */
    public UploadRecord withProgress(Long length, long offset, Instant expiresAt, Instant finishedAt) {
        return new UploadRecord(id, length, offset, metadataRaw, concatType, concatRaw, concatParts, createdAt,
                expiresAt, finishedAt, expiredAt, lostAt, owner);
    }

    /**
     * The metadata values decoded as UTF-8 text, derived from the raw header on demand (only downloads and events
     * need them; a PATCH or HEAD never pays for the decoding).
     */
    public Map<String, String> metadata() {
        return metadataRaw == null ? Map.of() : UploadMetadata.parse(metadataRaw, Integer.MAX_VALUE).texts();
    }

    public boolean lengthDeferred() {
        return length == null;
    }

    public boolean finished() {
        return finishedAt != null;
    }

    public boolean isFinal() {
        return concatType == ConcatType.FINAL;
    }

    public boolean isPartial() {
        return concatType == ConcatType.PARTIAL;
    }

    /** The storage lost bytes the offset counts: the upload cannot be resumed or downloaded (410). */
    public boolean lost() {
        return lostAt != null;
    }

    /** Expired: the reaper took it, or its expiry time has passed and the reaper has not come by yet. */
    public boolean expiredAt(Instant now) {
        return expiredAt != null || (expiresAt != null && !expiresAt.isAfter(now));
    }
}
