/**
 * The storage SPI: where upload bytes live.
 *
 * <p>
 * {@link io.resumableupload.storage.UploadStorage} is the core every backend implements (create, append through an
 * {@link io.resumableupload.storage.AppendSink}, finish, read, delete, a writability probe); optional features are
 * one-method capability interfaces ({@link io.resumableupload.storage.ConcatenatingStorage},
 * {@link io.resumableupload.storage.LocalFileStorage}). {@link io.resumableupload.storage.StorageProducer} is the
 * one place that picks a backend from {@code tus.storage.backend}; each backend gets its settings through its
 * constructor. One sub-package per backend: {@code fs} today; S3, GCS and Azure plug in beside it.
 *
 * <p>
 * Keys: a backend names an upload's bytes after the upload id only, never after client-supplied data (file names,
 * metadata).
 */
package io.resumableupload.storage;
