/**
 * The filesystem backend.
 *
 * <p>
 * Layout: one flat directory ({@code tus.storage.filesystem.directory}, default {@code ./uploads}) with one file
 * per upload, named by the upload id ({@code [A-Za-z0-9_-]{22,64}}, checked before the name is built, so no id can
 * leave the directory). There is no sidecar info file: the upload's state (offset, length, metadata) lives in
 * PostgreSQL, the file only holds bytes.
 *
 * <p>
 * Durability: an append writes at the committed offset (truncating any unacknowledged tail first), then
 * {@code fdatasync}s before the server advances the offset; creation fsyncs the directory entry. A shared volume
 * (NFS, EFS, Azure Files) works for several replicas as long as it honours fsync.
 *
 * <p>
 * Concatenation copies the partial files into the final file ({@code FileChannel.transferTo}, which uses
 * {@code copy_file_range} on Linux), then fsyncs it. A file appears with an upload's first byte, so a zero-length
 * upload has none; a missing partial file counts as empty.
 *
 * <p>
 * Faults: a full disk ({@code ENOSPC}, a quota, or less free space than {@code tus.storage.filesystem.min-free-space})
 * is a {@code StorageFullException}, thrown after the unacknowledged bytes were truncated away; a read-only or
 * unreachable mount is a {@code StorageUnavailableException}; a file missing or shorter than its committed offset is
 * an {@code UploadBytesLostException}. A deleted upload directory is created again by the next write.
 */
package io.resumableupload.storage.fs;
