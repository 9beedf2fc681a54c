package io.resumableupload.storage.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.Block;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.specialized.BlockBlobClient;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.storage.AppendSink;
import io.resumableupload.storage.UploadBytesLostException;
import io.resumableupload.storage.UploadStorage;
import io.resumableupload.storage.UploadStorageContract;
import io.resumableupload.support.Azurite;

/**
 * The Azure backend runs the storage contract against Azurite, with small blocks (256 KiB) and its state in the test
 * database; every {@link #storage()} is a new client and backend, as after a restart.
 */
@QuarkusTest
@EnabledIf(value = "io.resumableupload.support.Azurite#runnable", disabledReason = Azurite.NEEDS_NODE)
class AzureStorageTest extends UploadStorageContract {

    private static final String PREFIX = "contract/";
    private static final Path SPOOL = Path.of("target/azure-contract-spool");
    private static final int BLOCK = 256 * 1024;

    @Inject
    AgroalDataSource dataSource;

    @Override
    protected UploadStorage storage() throws Exception {
        return backend(BLOCK, 64L << 20);
    }

    AzureStorage backend(long blockSize, long maxSize) throws Exception {
        Files.createDirectories(SPOOL);
        AzureClients clients = new AzureClients(Optional.of(Azurite.shared().connectionString()), Optional.empty(), 3);
        return new AzureStorage(clients.container(Azurite.CONTAINER), clients.sharedKey(), dataSource,
                new AzureStorage.Settings(Azurite.CONTAINER, PREFIX, blockSize, maxSize, SPOOL, Duration.ofSeconds(2)));
    }

    @Override
    protected int partSize() {
        return BLOCK;
    }

    @Override
    protected void assertNothingStored(String uploadId) throws Exception {
        assertEquals(List.of(), Azurite.shared().blobs(PREFIX + uploadId));
        assertEquals(0, count("SELECT count(*) FROM azure_upload WHERE upload_id = ?", uploadId));
    }

    @Override
    protected void assertScratchSpaceEmpty() throws Exception {
        try (var files = Files.list(SPOOL)) {
            assertEquals(List.of(), files.toList(), "files left in the spool directory");
        }
    }

    private List<Block> committedBlocks(String id) {
        try {
            return Azurite.shared().container().getBlobClient(PREFIX + id).getBlockBlobClient()
                    .listBlocks(BlockListType.COMMITTED).getCommittedBlocks();
        } catch (BlobStorageException e) {
            assertEquals(404, e.getStatusCode());
            return List.of();
        }
    }

    /** 50,000 blocks at most: the block size grows with the length, or with the maximum size while it is deferred. */
    @Test
    void block_sizes_keep_every_upload_within_fifty_thousand_blocks() throws Exception {
        AzureStorage storage = backend(BLOCK, 64L << 20);
        assertEquals(BLOCK, storage.blockSizeFor(0L));
        assertEquals(BLOCK, storage.blockSizeFor(50_000L * BLOCK));
        long huge = 5L * 1024 * 1024 * 1024 * 1024;
        long block = storage.blockSizeFor(huge);
        assertTrue(AzureStorage.ceilDiv(huge, block) <= 50_000);
        assertEquals(0, block % (1024 * 1024));
        // Deferred: sized from tus.max-size.
        assertEquals(BLOCK, storage.blockSizeFor(null));
        AzureStorage large = backend(BLOCK, 1L << 40);
        assertEquals(21L << 20, large.blockSizeFor(null));
        assertThrows(IllegalArgumentException.class, () -> backend(BLOCK, 50_000L * 4000 * 1024 * 1024 + 1));
    }

    /**
     * Block ids name start offsets; a short block a PATCH left is kept while the upload's remaining blocks fit within
     * 50,000, and the block a committed offset falls in is staged again.
     */
    @Test
    void blocks_are_named_after_their_offsets_and_short_blocks_stay_while_the_limit_allows() throws Exception {
        String id = create();
        byte[] data = bytes(3 * BLOCK);
        long committed = 0;
        for (int size : new int[] { 1000, 1000, BLOCK, BLOCK + 5000 }) {
            committed = append(storage(), id, committed, null, data, (int) committed, size);
        }
        List<Block> blocks = committedBlocks(id);
        assertEquals(List.of(0L, 1000L, 2000L, 2000L + BLOCK, 2000L + 2L * BLOCK), starts(blocks));
        assertEquals(List.of(1000L, 1000L, (long) BLOCK, (long) BLOCK, 5000L),
                blocks.stream().map(Block::getSizeLong).toList());
        // A committed offset inside a block (its last 2000 bytes never counted): that block is read back up to the
        // offset and staged again, at the same start, with the new bytes.
        committed -= 2000;
        try (AppendSink sink = storage().openAppend(id, committed, null)) {
            sink.write(new ByteBuffer[] { ByteBuffer.wrap(data, (int) committed, 3000) });
            assertEquals(committed + 3000, sink.sync());
        }
        blocks = committedBlocks(id);
        assertEquals(List.of(0L, 1000L, 2000L, 2000L + BLOCK, 2000L + 2L * BLOCK), starts(blocks));
        assertEquals(6000L, blocks.get(blocks.size() - 1).getSizeLong());
        // Azure requires one id length per blob.
        assertEquals(1, blocks.stream().map(block -> block.getName().length()).distinct().count());
        storage().delete(id);
        assertNothingStored(id);
    }

    /** Block ids in both formats name their start offset; anything else was not written by this server. */
    @Test
    void block_ids_of_both_formats_name_their_start_offset() throws Exception {
        assertEquals(5, AzureStorage.blockStart(AzureStorage.blockId(5, -1)));
        assertEquals(Long.MAX_VALUE, AzureStorage.blockStart(AzureStorage.blockId(Long.MAX_VALUE, 0)));
        assertEquals(AzureStorage.blockId(0, 0).length(), AzureStorage.blockId(Long.MAX_VALUE, -1).length());
        assertEquals(7, AzureStorage.blockStart(AzureStorage.legacyBlockId(7)));
        assertTrue(AzureStorage.isLegacy(AzureStorage.legacyBlockId(7)));
        assertFalse(AzureStorage.isLegacy(AzureStorage.blockId(7, 7)));
        assertTrue(AzureStorage.blockId(Long.MAX_VALUE, -1).length() <= 88, "64 bytes at most before base64");
        for (String foreign : new String[] { "7", "00000000000000000007-7", "00000000000000000007-000000000000000G",
                "99999999999999999999", "00000000000000000007-0000000000000007-" }) {
            String id = Base64.getEncoder().encodeToString(foreign.getBytes(StandardCharsets.US_ASCII));
            assertThrows(UploadBytesLostException.class, () -> AzureStorage.blockStart(id), foreign);
        }
        assertThrows(UploadBytesLostException.class, () -> AzureStorage.blockStart("not base64!"));
    }

    /** Staged blocks count only once a block list holding them is committed; a checkpoint commits them. */
    @Test
    void staged_blocks_are_not_durable_until_a_checkpoint_commits_them() throws Exception {
        String id = create();
        byte[] data = bytes(2 * BLOCK + 10);
        try (AppendSink sink = storage().openAppend(id, 0, (long) data.length)) {
            sink.write(new ByteBuffer[] { ByteBuffer.wrap(data, 0, 2 * BLOCK + 10) });
            assertEquals(List.of(), committedBlocks(id));
            assertEquals(2L * BLOCK, sink.checkpoint());
            assertEquals(2, committedBlocks(id).size());
        }
        storage().delete(id);
        assertNothingStored(id);
    }

    /**
     * A commit discards every uncommitted block it does not name: checkpoints running alongside writes must not lose a
     * block staged meanwhile (they did, as 400 InvalidBlockList at the next commit, before staging excluded commits).
     */
    @Test
    void checkpoints_alongside_writes_lose_no_block() throws Exception {
        String id = create();
        byte[] data = bytes(12 * BLOCK + 77);
        try (AppendSink sink = storage().openAppend(id, 0, (long) data.length)) {
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.CompletableFuture<Void> checkpoints = java.util.concurrent.CompletableFuture.runAsync(() -> {
                while (!done.get()) {
                    try {
                        sink.checkpoint();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            for (int at = 0; at < data.length; at += 40_000) {
                sink.write(new ByteBuffer[] { ByteBuffer.wrap(data, at, Math.min(40_000, data.length - at)) });
            }
            done.set(true);
            checkpoints.get();
            assertEquals(data.length, sink.sync());
        }
        finishAndCheck(id, data);
        storage().delete(id);
    }

    /**
     * An append killed after staging a block but before its first commit leaves a blob of staged blocks only: Get
     * Block List answers it with an ETag although the blob does not exist, and commits If-Match that ETag were refused
     * forever (uploads stuck at offset 0 in AzureMultiReplicaIT). The next append must start over and commit.
     */
    @Test
    void an_append_after_one_killed_before_its_first_commit_commits() throws Exception {
        String id = create();
        byte[] data = bytes(BLOCK + 300);
        AppendSink killed = storage().openAppend(id, 0, (long) data.length);
        killed.write(new ByteBuffer[] { ByteBuffer.wrap(new byte[BLOCK + 10]) });
        // killed: neither synced nor closed; its block stays staged, never committed
        assertEquals(List.of(), committedBlocks(id));
        assertEquals(data.length, append(storage(), id, 0, (long) data.length, data, 0, data.length));
        killed.close();
        finishAndCheck(id, data);
        storage().delete(id);
        assertNothingStored(id);
    }

    /** Two appends on one upload (a lock that was lost): the older one cannot commit over the newer one's list. */
    @Test
    void an_append_whose_blob_changed_underneath_cannot_commit() throws Exception {
        String id = create();
        byte[] data = bytes(3000);
        long committed = append(storage(), id, 0, null, data, 0, 1000);
        AppendSink stale = storage().openAppend(id, committed, null);
        append(storage(), id, committed, null, data, 1000, 1000);
        stale.write(new ByteBuffer[] { ByteBuffer.wrap(new byte[500]) });
        IOException refused = assertThrows(IOException.class, stale::sync);
        assertTrue(refused.getMessage().contains("another append"), refused.getMessage());
        stale.close();
        assertEquals(2000, Azurite.shared().container().getBlobClient(PREFIX + id).getProperties().getBlobSize());
        storage().delete(id);
        assertNothingStored(id);
    }

    @Test
    void the_finished_blob_has_the_uploads_content_type_and_a_sas_url_serves_it() throws Exception {
        AzureStorage storage = backend(BLOCK, 64L << 20);
        String id = newId();
        storage.create(id, "image/png");
        byte[] data = bytes(BLOCK + 10);
        append(storage, id, 0, (long) data.length, data, 0, data.length);
        storage.finish(id, data.length);
        assertEquals("image/png", Azurite.shared().container().getBlobClient(PREFIX + id).getProperties().getContentType());

        URI url = storage.presignDownload(id, "image/png", "attachment; filename=\"a.png\"", Duration.ofMinutes(1));
        HttpResponse<byte[]> got = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(url).header("Range", "bytes=0-99").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, got.statusCode());
        assertEquals(100, got.body().length);
        assertEquals("attachment; filename=\"a.png\"", got.headers().firstValue("Content-Disposition").orElseThrow());
        HttpResponse<byte[]> unsigned = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url.toString().replaceFirst("\\?.*", ""))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertTrue(unsigned.statusCode() >= 400, "the container is private: " + unsigned.statusCode());
        storage.delete(id);
    }

    /** Blobs whose upload row is gone (a deletion while Azure was down, a crash during creation) are reclaimed. */
    @Test
    void blobs_of_uploads_without_a_row_are_reclaimed() throws Exception {
        AzureStorage storage = backend(BLOCK, 64L << 20);
        String id = newId();
        storage.create(id, "application/octet-stream");
        byte[] data = bytes(BLOCK + 100);
        append(storage, id, 0, null, data, 0, data.length);
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "UPDATE azure_upload SET created_at = now() - interval '2 hours' WHERE upload_id = ?")) {
            s.setString(1, id);
            s.executeUpdate();
        }
        assertTrue(storage.reclaimOrphans(Duration.ofHours(1)) >= 1);
        assertNothingStored(id);
    }

    /**
     * A Put Block still in flight from an append that ended (its replica killed with -9, its lock lost) lands after
     * the next append staged its block at the same offset. It must not become part of the blob: with ids that were
     * only the start offset it replaced the newer block, and the next commit named it (AzureMultiReplicaIT, once: a
     * blob of 5,991,855 bytes for an upload of 5,248,302). Here the stale block has the same size, which the size
     * check in finish does not see.
     */
    @Test
    void a_late_block_from_an_append_that_ended_does_not_replace_the_next_appends_block() throws Exception {
        String id = create();
        byte[] stale = bytes(BLOCK);
        byte[] data = bytes(BLOCK + 100);
        AppendSink ended = storage().openAppend(id, 0, null);
        // A full block is staged at once; the append ends without a commit.
        ended.write(new ByteBuffer[] { ByteBuffer.wrap(stale) });
        List<Block> staged = blob(id).listBlocks(BlockListType.UNCOMMITTED).getUncommittedBlocks();
        assertEquals(1, staged.size());
        String staleId = staged.get(0).getName();
        try (AppendSink next = storage().openAppend(id, 0, null)) {
            next.write(new ByteBuffer[] { ByteBuffer.wrap(data) });
            // The ended append's Put Block, retried or delayed, lands now.
            blob(id).stageBlock(staleId, new ByteArrayInputStream(stale), stale.length);
            assertEquals(data.length, next.sync());
        }
        ended.close();
        finishAndCheck(id, data);
        storage().delete(id);
        assertNothingStored(id);
    }

    /**
     * A blob started before block ids carried a nonce has ids of 20 characters; Azure refuses ids of another length
     * in one blob, so its appends keep that length. They resume inside its short last block (read back and staged
     * again) and after it, and the blob reads back whole.
     */
    @Test
    void a_blob_with_legacy_block_ids_is_appended_to_with_ids_of_their_length() throws Exception {
        String id = create();
        new AzureState(dataSource).fixBlockSize(id, "application/octet-stream", BLOCK);
        byte[] data = bytes(3 * BLOCK + 500);
        BlockBlobClient blob = blob(id);
        blob.stageBlock(legacyId(0), new ByteArrayInputStream(data, 0, BLOCK), BLOCK);
        blob.stageBlock(legacyId(BLOCK), new ByteArrayInputStream(data, BLOCK, 1000), 1000);
        blob.commitBlockList(List.of(legacyId(0), legacyId(BLOCK)));
        long committed = append(storage(), id, BLOCK + 600, null, data, BLOCK + 600, BLOCK);
        assertEquals(2L * BLOCK + 600, committed);
        committed = append(storage(), id, committed, null, data, (int) committed, data.length - (int) committed);
        assertEquals(data.length, committed);
        List<Block> blocks = committedBlocks(id);
        assertEquals(List.of(0L, (long) BLOCK, 2L * BLOCK, 2L * BLOCK + 600), starts(blocks));
        for (Block block : blocks) {
            assertEquals(20, Base64.getDecoder().decode(block.getName()).length, "a legacy id: " + block.getName());
        }
        finishAndCheck(id, data);
        storage().delete(id);
        assertNothingStored(id);
    }

    /**
     * An append of an earlier version cut before its first commit left staged blocks with 20-character ids and no
     * committed blob. A Put Block with an id of another length is refused (400 InvalidBlobOrBlock; Azurite checks it
     * against staged blocks, not committed ones); the next append must still store the upload.
     */
    @Test
    void an_append_after_an_earlier_versions_append_cut_before_its_first_commit_commits() throws Exception {
        String id = create();
        byte[] data = bytes(BLOCK + 300);
        blob(id).stageBlock(legacyId(0), new ByteArrayInputStream(new byte[BLOCK]), BLOCK);
        blob(id).stageBlock(legacyId(BLOCK), new ByteArrayInputStream(new byte[10]), 10);
        assertEquals(List.of(), committedBlocks(id));
        String longer = Base64.getEncoder()
                .encodeToString(String.format("%020d-%016x", 0, 1L).getBytes(StandardCharsets.US_ASCII));
        BlobStorageException refused = assertThrows(BlobStorageException.class,
                () -> blob(id).stageBlock(longer, new ByteArrayInputStream(new byte[10]), 10));
        assertEquals(400, refused.getStatusCode());
        assertEquals(data.length, append(storage(), id, 0, (long) data.length, data, 0, data.length));
        finishAndCheck(id, data);
        storage().delete(id);
        assertNothingStored(id);
    }

    /** The same for a concatenation whose final blob holds staged blocks of an earlier version's cut attempt. */
    @Test
    void a_concatenation_after_an_earlier_versions_attempt_was_cut_commits() throws Exception {
        AzureStorage storage = backend(BLOCK, 64L << 20);
        byte[] data = bytes(BLOCK + 510);
        String first = finished(Arrays.copyOfRange(data, 0, BLOCK + 10));
        String second = finished(Arrays.copyOfRange(data, BLOCK + 10, data.length));
        String finalId = create();
        blob(finalId).stageBlock(legacyId(0), new ByteArrayInputStream(new byte[100]), 100);
        assertEquals(data.length, storage.concatenate(finalId, List.of(first, second)));
        finishAndCheck(finalId, data);
        for (String id : List.of(first, second, finalId)) {
            storage.delete(id);
            assertNothingStored(id);
        }
    }

    private BlockBlobClient blob(String id) {
        return Azurite.shared().container().getBlobClient(PREFIX + id).getBlockBlobClient();
    }

    /** An id as this server wrote them before they carried a nonce: the start offset, {@code base64("%020d")}. */
    private static String legacyId(long start) {
        return Base64.getEncoder().encodeToString(String.format("%020d", start).getBytes(StandardCharsets.US_ASCII));
    }

    /** The start offsets the blocks' ids name. */
    private static List<Long> starts(List<Block> blocks) throws IOException {
        List<Long> starts = new ArrayList<>();
        for (Block block : blocks) {
            starts.add(AzureStorage.blockStart(block.getName()));
        }
        return starts;
    }

    private long count(String sql, String id) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, id);
            try (ResultSet row = s.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }
}
