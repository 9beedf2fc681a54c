/**
 * The Azure Blob backend ({@code tus.storage.backend=azure}): block blobs, through {@code azure-storage-blob} with the
 * JDK's HttpClient transport.
 *
 * <p>
 * <b>Layout.</b> One upload is one block blob, {@code <prefix><id>}, of contiguous blocks of at most {@code B} bytes,
 * where the block size {@code B} is fixed at the first byte: {@code tus.storage.azure.block-size},
 * raised (in whole MiB) to {@code ceil(length / 50000)}, or {@code ceil(tus.max-size / 50000)} while deferred, so no
 * upload needs more than Azure's 50,000 committed blocks. A block's id is its start offset and a random 64-bit nonce
 * drawn once per append ({@code base64("%020d-%016x")}, 37 characters before base64): ids of one blob all have the same
 * length, as Azure requires; a block one append stages again replaces its earlier version at the next commit; and a Put
 * Block still in flight from an append that ended (its replica killed, its lock lost), which can land after the next
 * append staged the block at the same offset, stages an id no later append names, so the next commit discards it (the
 * ETag condition guards commits, not stages). Blobs started before ids carried the nonce have ids of the start offset
 * alone ({@code base64("%020d")}, 20 characters); an append keeps that length when the blob's committed blocks have
 * it, so for those blobs a late Put Block can still replace a block. With no blob yet, staged blocks with ids of the
 * other length (an append of that version cut before its first commit) make Azure refuse the first Put Block with
 * 400; an empty commit ({@code If-None-Match: *}) discards them and the block is staged again (a concatenation does
 * the same). A replica of that earlier version reads the new ids as not its own and marks the upload lost, so the two
 * must not serve uploads side by side.
 *
 * <p>
 * <b>Durability.</b> A byte counts only once a committed block list holds it. Staged blocks are not durable (Azure
 * drops uncommitted blocks after a week idle, and every successful commit discards the uncommitted blocks it does not
 * name), so an append commits at every checkpoint and at the end of every PATCH, and staging never overlaps a commit.
 * Commits are conditional on the blob's ETag as the append last saw it ({@code If-None-Match: *} before the first),
 * so an append that lost its lock cannot replace a newer append's list.
 *
 * <p>
 * <b>Resuming at the committed offset {@code C}.</b> The committed list is read; the blocks wholly below {@code C}
 * are kept, the bytes of a block {@code C} falls in are read back (at most {@code B}, conditional on the same ETag) and
 * staged again with what follows. A short block ending at {@code C} (where the last PATCH ended) is kept as it is while
 * the blocks the rest of the upload may need still fit within 50,000, else it is read back and refilled. Anything beyond
 * {@code C} drops out of the next commit. This is
 * also how an append after a {@code finish} whose compare-and-set never happened works: {@code finish} only checks the
 * blob's size, since every commit already made the blob the upload.
 *
 * <p>
 * <b>State in PostgreSQL</b> (V6: {@code azure_upload}): the Content-Type (every Put Block List sets it again) and
 * the block size; the row is also how {@link io.resumableupload.storage.azure.AzureReclaimer} finds blobs whose upload
 * row is gone. Concatenation stages each partial with Put Block From URL and a one-hour read SAS (account key, or a
 * user delegation key under Entra ID), so private containers work, under ids with a nonce of its own; downloads can
 * redirect to a SAS URL.
 */
package io.resumableupload.storage.azure;
