package io.resumableupload.upload;

import java.util.List;

import io.resumableupload.protocol.UploadConcat;
import io.resumableupload.protocol.UploadMetadata;

/**
 * A validated creation request.
 *
 * @param length Upload-Length, or null when deferred or for a final upload
 * @param metadata the parsed Upload-Metadata
 * @param concat the parsed Upload-Concat, or null
 * @param partialIds for a final upload, the ids taken from its partial URLs (already checked for shape)
 * @param caller who creates it: becomes the owner, and must own every partial of a final upload
 */
public record CreateCommand(Long length, UploadMetadata metadata, UploadConcat concat, List<String> partialIds,
        Caller caller) {

    /** A creation without authentication ({@link Caller#ANYONE}). */
    public CreateCommand(Long length, UploadMetadata metadata, UploadConcat concat, List<String> partialIds) {
        this(length, metadata, concat, partialIds, Caller.ANYONE);
    }
}
