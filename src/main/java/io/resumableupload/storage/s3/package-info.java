/**
 * The S3 backend ({@code tus.storage.backend=s3}): AWS S3 and S3-compatible stores, through the AWS SDK v2 with the
 * JDK's HttpURLConnection transport.
 *
 * <p>
 * <b>Layout.</b> One upload is one multipart upload completed into {@code <prefix><id>}. Part {@code n} covers bytes
 * {@code [(n-1)P, nP)} of the upload, where the part size {@code P} is fixed at the first byte stored:
 * {@code tus.storage.s3.part-size}, raised (in whole MiB) to {@code ceil(length / 10000)}, or
 * {@code ceil(tus.max-size / 10000)} while the length is deferred. Part numbers are so deterministic and never above
 * 10,000, parts are all equal but the last (Cloudflare R2 requires it), and a re-sent part simply replaces the one
 * with its number. A tail shorter than a part is parked as {@code <prefix><id>.tail.<end offset>}: a new key for
 * every end offset, so the tail the committed offset points into is never overwritten.
 *
 * <p>
 * <b>State in PostgreSQL</b> (V4: {@code s3_upload}, {@code s3_part}, {@code s3_tail}), never asked of S3: the
 * multipart upload id, the part size, the ETag of every part (recorded when its upload returns; completion uses
 * these, never ListParts, which pages at 1,000, is eventually consistent on some stores and which AWS says not to
 * complete from), every tail (recorded before it is written, so none can be orphaned) and whether the object is
 * complete.
 *
 * <p>
 * <b>Durability order</b> of an append at committed offset {@code C}: the tail {@code .tail.C} (if {@code C} is
 * not a part boundary) is read into a local spool; bytes fill the spool; each full part is uploaded and its ETag
 * recorded before it counts; at the end the rest is the last part if it completes the upload (a single PutObject if
 * the whole upload fits in one part), else a new tail. Only then does the server move the offset. The next append,
 * at the new committed offset, deletes every other tail: those below it are covered by parts or by the tail it
 * uses, those above were never counted. No tail is deleted before the committed offset covers what replaces it.
 *
 * <p>
 * <b>Completion</b> ({@code finish}) runs before the compare-and-set: CompleteMultipartUpload with the recorded
 * ETags, then the state says "completed" and the tails go. Repeated, it does nothing; a NoSuchUpload answer with an
 * object of the right size means an earlier call completed it. An append after a completion whose compare-and-set
 * never happened (a crash, a lost lock) starts a new multipart upload whose first parts are server-side copies
 * (UploadPartCopy) of the object's committed bytes, and reads the committed bytes of the current part from the
 * object; the client's resent bytes then replace the rest.
 *
 * <p>
 * <b>No orphans.</b> Creation stores nothing in S3. Deletion (termination, expiry, a failed creation) aborts the
 * recorded multipart upload and any other one for the key (ListMultipartUploads finds one created by a process
 * that died before recording it), deletes the object and every recorded tail, then the state. State whose upload
 * row is gone (a crash between creating it and committing the row) is reclaimed by {@code S3Reclaimer} on every sweep;
 * a bucket lifecycle rule (AbortIncompleteMultipartUpload) is the backstop for anything else.
 *
 * <p>
 * <b>Resources.</b> An append spools on local disk ({@code tus.storage.s3.spool-directory}), never in memory: the
 * part being received plus up to {@code tus.storage.s3.part-uploads} parts uploading in the background, each file
 * unlinked as soon as it is created. Errors of S3 (unreachable, throttled past the retries, refused) surface as
 * {@link io.resumableupload.storage.StorageUnavailableException}: 503 {@code ERR_STORAGE_UNAVAILABLE}.
 */
package io.resumableupload.storage.s3;
