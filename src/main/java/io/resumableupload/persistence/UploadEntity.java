package io.resumableupload.persistence;

import java.time.Instant;
import java.util.Map;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** The {@code upload} row (schema in V1__create_upload.sql and later migrations). Only {@link UploadRepository} touches it. */
@Entity
@Table(name = "upload")
public class UploadEntity extends PanacheEntityBase {

    @Id
    @Column(length = 64)
    public String id;

    @Column(name = "upload_length")
    public Long uploadLength;

    @Column(name = "upload_offset", nullable = false)
    public long uploadOffset;

    @Column(name = "metadata_raw")
    public String metadataRaw;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "metadata")
    public Map<String, String> metadata;

    @Column(name = "concat_type", length = 8)
    public String concatType;

    @Column(name = "concat_raw")
    public String concatRaw;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "concat_parts")
    public String[] concatParts;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "expired_at")
    public Instant expiredAt;

    @Column(name = "owner")
    public String owner;
}
