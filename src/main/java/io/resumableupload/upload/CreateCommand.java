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
 */
public record CreateCommand(Long length, UploadMetadata metadata, UploadConcat concat, List<String> partialIds) {
}
