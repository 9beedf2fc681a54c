/**
 * The storage SPI: where upload bytes live.
 *
 * <p>
 * {@link io.resumableupload.storage.UploadStorage} is the core every backend implements (create, append through an
 * {@link io.resumableupload.storage.AppendSink}, finish, read, delete, a readiness probe); optional features are
 * one-method capability interfaces ({@link io.resumableupload.storage.ConcatenatingStorage},
 * {@link io.resumableupload.storage.LocalFileStorage}, {@link io.resumableupload.storage.PresigningStorage}).
 * {@link io.resumableupload.storage.StorageProducer} is the one place that picks a backend from
 * {@code tus.storage.backend}; each backend gets its settings through its constructor. One sub-package per backend:
 * {@code fs}, {@code s3}, {@code azure} and {@code gcs}, all running the same contract suite
 * ({@code UploadStorageContract} in the tests) unchanged. Object-store backends spool what they receive in a
 * {@link io.resumableupload.storage.Spool} (disk, unlinked at creation).
 *
 * <p>
 * Keys: a backend names an upload's bytes after the upload id only, never after client-supplied data (file names,
 * metadata).
 *
 * <p>
 * <b>What object stores needed from the SPI, and why it is no more than this</b> (issue 9):
 * <ul>
 * <li>{@code openAppend(id, committedOffset, length)}: the upload's length, {@code null} while deferred. An object
 * store sizes its parts from it (S3: at most 10,000 parts, so a 1 TiB upload needs parts of over 100 MiB) and must
 * know which part is the last (the only one S3 lets be under 5 MiB; stored at once instead of parked as a tail).
 * The length a PATCH declares is passed to the append that carries it.</li>
 * <li>{@code create(id, contentType)}: object stores keep a Content-Type on the object, which is fixed when the
 * object (or the multipart upload) is created, long before the last byte; the type comes from the
 * {@code filetype} metadata, already checked to be well-formed.</li>
 * <li>{@code finish} runs <em>before</em> the compare-and-set that marks the upload complete (so a finished upload
 * is never advertised before its object exists). A crash or a lost compare-and-set can follow it, so it must be
 * safe to repeat, and an append at the old committed offset must still work afterwards: the client resends the last
 * bytes. Recording a "finishing" state first was the alternative; it would cost a database write on every
 * completion and still need the same recovery.</li>
 * <li>{@link io.resumableupload.storage.AppendSink#checkpoint()} counts only bytes durable with no gap from the
 * committed offset (an object store's parts may complete out of order).</li>
 * </ul>
 * Nothing else changed: appends are still pushed, one sink per upload at a time (the lock), and a backend never
 * decides an offset.
 */
package io.resumableupload.storage;
