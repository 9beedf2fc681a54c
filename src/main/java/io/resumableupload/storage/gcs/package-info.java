/**
 * The Google Cloud Storage backend ({@code tus.storage.backend=gcs}): segment objects composed at finish, behind the
 * narrow {@link io.resumableupload.storage.gcs.GcsApi} seam ({@link io.resumableupload.storage.gcs.SdkGcsApi} on the
 * SDK; the tests run the backend on an in-memory fake of GCS's rules).
 *
 * <p>
 * <b>Layout.</b> An append writes {@code <prefix><id>.seg.<start offset, zero-padded>} objects: one every
 * {@code tus.storage.gcs.segment-size} bytes and one at the end of every PATCH, of any size. A byte counts once the
 * segment holding it exists. New segments are written with {@code ifGenerationMatch=0}; the segment the committed
 * offset falls in is rewritten (read back, then written with the new bytes) conditional on its generation. Segments
 * beyond the committed offset are garbage and deleted by the next append. When an upload has 32 segments they are
 * composed into the first one (compose takes at most 32 sources; the target may be a source); a crash in the middle
 * leaves segments that start inside the composed one, which the next listing recognises and deletes.
 *
 * <p>
 * <b>Finish</b> composes the segments into {@code <prefix><id>}, checks the size and deletes the segments. Repeated,
 * it finds the object of the right size. An append after a finish whose compare-and-set never happened copies the
 * committed bytes back from the object into a first segment (streamed through the server; a rare window).
 *
 * <p>
 * Rejected: one resumable upload session per upload (256 KiB granularity, a session URI that expires after a week,
 * and no emulator here that takes a second chunk). State in PostgreSQL (V6: {@code gcs_upload}): the Content-Type
 * and a row that finds objects whose upload row is gone.
 */
package io.resumableupload.storage.gcs;
