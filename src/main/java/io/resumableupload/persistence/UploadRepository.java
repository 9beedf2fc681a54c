package io.resumableupload.persistence;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * All reads and writes of upload rows. Every method runs in its own short transaction, so no database connection
 * is held while a request body streams; the offset compare-and-set lives here.
 */
@ApplicationScoped
public class UploadRepository implements PanacheRepositoryBase<UploadEntity, String> {

    public void insert(UploadRecord upload) {
        QuarkusTransaction.requiringNew().run(() -> persist(toEntity(upload)));
    }

    public Optional<UploadRecord> findRecord(String id) {
        return QuarkusTransaction.requiringNew().call(() -> findByIdOptional(id).map(UploadRepository::toRecord));
    }

    public List<UploadRecord> findRecords(List<String> ids) {
        return QuarkusTransaction.requiringNew()
                .call(() -> list("id in ?1", ids.stream().distinct().toList()).stream().map(UploadRepository::toRecord).toList());
    }

    /**
     * Moves the offset from {@code expectedOffset} to {@code newOffset} if, and only if, it is still
     * {@code expectedOffset} (compare-and-set): the last guard against two writers. Call it only after the bytes
     * up to {@code newOffset} are durable.
     *
     * @param expiresAt the new expiry (sliding expiration), or null for none
     * @param finishedAt non-null when {@code newOffset} completes the upload
     * @return false when the offset had moved, or the upload is gone or expired
     */
    public boolean compareAndSetOffset(String id, long expectedOffset, long newOffset, Instant expiresAt,
            Instant finishedAt) {
        Instant now = Instant.now();
        return QuarkusTransaction.requiringNew().call(() -> update(
                "uploadOffset = ?1, expiresAt = ?2, finishedAt = ?3, updatedAt = ?4 "
                        + "where id = ?5 and uploadOffset = ?6 and expiredAt is null and finishedAt is null",
                newOffset, expiresAt, finishedAt, now, id, expectedOffset) == 1);
    }

    /**
     * Sets the length of an upload whose length was deferred.
     *
     * @return false when the length was already set (or the upload is gone)
     */
    public boolean declareLength(String id, long length) {
        return QuarkusTransaction.requiringNew().call(() -> update(
                "uploadLength = ?1, updatedAt = ?2 where id = ?3 and uploadLength is null and uploadOffset <= ?1",
                length, Instant.now(), id) == 1);
    }

    /** Marks a final upload complete once its bytes are assembled; false if it already was (or is gone). */
    public boolean finishFinal(String id, long length, Instant expiresAt) {
        Instant now = Instant.now();
        return QuarkusTransaction.requiringNew().call(() -> update(
                "uploadOffset = ?1, expiresAt = ?2, finishedAt = ?3, updatedAt = ?3 "
                        + "where id = ?4 and finishedAt is null and expiredAt is null and uploadLength = ?1",
                length, expiresAt, now, id) == 1);
    }

    /** Deletes the row; false when it was not there. */
    public boolean deleteRecord(String id) {
        return QuarkusTransaction.requiringNew().call(() -> delete("id", id) == 1);
    }

    /** Ids of uploads whose expiry time has passed and whose bytes are still stored, oldest first. */
    public List<String> findDueToExpire(Instant now, int limit) {
        return QuarkusTransaction.requiringNew()
                .call(() -> find("expiresAt <= ?1 and expiredAt is null order by expiresAt", now).page(0, limit)
                        .project(IdOnly.class).list().stream().map(IdOnly::id).toList());
    }

    /** Turns an expired upload into a tombstone (its bytes are deleted by the caller); false if already done. */
    public boolean markExpired(String id, Instant now) {
        return QuarkusTransaction.requiringNew().call(() -> update(
                "expiredAt = ?1, updatedAt = ?1 where id = ?2 and expiredAt is null and expiresAt <= ?1", now, id) == 1);
    }

    /** Expires an upload now, whatever its expiry time (a final whose partial expired); false if already done. */
    public boolean expireNow(String id, Instant now) {
        return QuarkusTransaction.requiringNew().call(() -> update(
                "expiresAt = ?1, expiredAt = ?1, updatedAt = ?1 where id = ?2 and expiredAt is null", now, id) == 1);
    }

    /** Deletes tombstones of uploads that expired before {@code before}; returns how many. */
    public long purgeTombstones(Instant before) {
        return QuarkusTransaction.requiringNew().call(() -> delete("expiredAt < ?1", before));
    }

    /** Ids of unfinished final uploads that name {@code partialId}. */
    @SuppressWarnings("unchecked")
    public List<String> findFinalsWaitingOn(String partialId) {
        return QuarkusTransaction.requiringNew().call(() -> getEntityManager().createNativeQuery(
                "SELECT id FROM upload WHERE concat_type = 'final' AND finished_at IS NULL AND expired_at IS NULL "
                        + "AND concat_parts @> ARRAY[CAST(?1 AS TEXT)]")
                .setParameter(1, partialId).getResultList());
    }

    /** Ids of unfinished final uploads, oldest first (the reaper re-checks them in case an assembly was lost). */
    public List<String> findUnfinishedFinals(int limit) {
        return QuarkusTransaction.requiringNew().call(() -> find(
                "concatType = 'final' and finishedAt is null and expiredAt is null order by createdAt").page(0, limit)
                .project(IdOnly.class).list().stream().map(IdOnly::id).toList());
    }

    /** Projection for id-only queries. */
    public record IdOnly(String id) {
    }

    private static UploadEntity toEntity(UploadRecord r) {
        UploadEntity e = new UploadEntity();
        e.id = r.id();
        e.uploadLength = r.length();
        e.uploadOffset = r.offset();
        e.metadataRaw = r.metadataRaw();
        e.metadata = r.metadata();
        e.concatType = r.concatType() == null ? null : r.concatType().column();
        e.concatRaw = r.concatRaw();
        e.concatParts = r.concatParts().isEmpty() ? null : r.concatParts().toArray(String[]::new);
        e.createdAt = r.createdAt();
        e.updatedAt = r.createdAt();
        e.expiresAt = r.expiresAt();
        e.finishedAt = r.finishedAt();
        e.expiredAt = r.expiredAt();
        return e;
    }

    private static UploadRecord toRecord(UploadEntity e) {
        return new UploadRecord(e.id, e.uploadLength, e.uploadOffset, e.metadataRaw, e.metadata,
                ConcatType.ofColumn(e.concatType), e.concatRaw,
                e.concatParts == null ? List.of() : Arrays.asList(e.concatParts), e.createdAt, e.expiresAt,
                e.finishedAt, e.expiredAt);
    }
}
