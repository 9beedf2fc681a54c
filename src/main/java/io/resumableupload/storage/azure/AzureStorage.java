package io.resumableupload.storage.azure;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.rest.Response;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.Block;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.models.BlockList;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.UserDelegationKey;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobStageBlockFromUrlOptions;
import com.azure.storage.blob.sas.BlobSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.azure.storage.blob.specialized.BlockBlobClient;

import io.resumableupload.protocol.DownloadHeaders;
import io.resumableupload.protocol.UploadIds;
import io.resumableupload.storage.AppendSink;
import io.resumableupload.storage.ConcatenatingStorage;
import io.resumableupload.storage.PresigningStorage;
import io.resumableupload.storage.Spool;
import io.resumableupload.storage.StateCalls;
import io.resumableupload.storage.StorageUnavailableException;
import io.resumableupload.storage.UploadBytesLostException;
import io.resumableupload.storage.UploadStorage;

/**
 * Uploads in one Azure Blob Storage container: one block blob per upload, {@code <prefix><id>}. Block {@code n}
 * covers {@code [n*B, (n+1)*B)} for the upload's block size B; its id is its start offset and a nonce drawn once per
 * append, so a block's id says where it belongs, and a Put Block still in flight from an append that ended stages an
 * id no later append names. A byte counts only once a block list holding it is committed (at every checkpoint and
 * sync): staged, uncommitted blocks are not durable (Azure discards them after a week idle, or at the next commit).
 * The package documentation has the rest.
 */
public final class AzureStorage implements UploadStorage, ConcatenatingStorage, PresigningStorage {

    private static final Logger LOG = Logger.getLogger(AzureStorage.class);

    /** Azure's most committed blocks in one blob. */
    static final int MAX_BLOCKS = 50_000;
    /** Azure's largest block (Put Block and Put Block From URL, API version 2019-12-12 and later). */
    static final long MAX_BLOCK = 4000L * 1024 * 1024;
    private static final long MIB = 1024 * 1024;
    /** How long the read SAS a concatenation hands to Put Block From URL stays valid. */
    private static final Duration COPY_SAS_VALIDITY = Duration.ofHours(1);

    /**
     * The backend's settings.
     *
     * @param blockSize the configured block size
     * @param maxSize {@code tus.max-size}: sizes the blocks of an upload whose length is deferred
     * @param healthTimeout how long the readiness probe waits for the container
     */
    public record Settings(String container, String prefix, long blockSize, long maxSize, Path spoolDirectory,
            Duration healthTimeout) {
    }

    private final BlobContainerClient container;
    private final boolean sharedKey;
    private final AzureState state;
    private final Settings settings;
    private UserDelegationKey delegationKey;

    /**
     * @param sharedKey whether the client signs with an account key (a SAS is then signed with it); otherwise SAS
     *        tokens are user delegation SAS, which needs the role "Storage Blob Delegator" (included in "Storage Blob
     *        Data Contributor")
     */
    public AzureStorage(BlobContainerClient container, boolean sharedKey, DataSource dataSource, Settings settings) {
        if (settings.blockSize() < 1 || settings.blockSize() > MAX_BLOCK) {
            throw new IllegalArgumentException("tus.storage.azure.block-size must be between 1 byte and 4000M");
        }
        if (ceilDiv(settings.maxSize(), MAX_BLOCKS) > MAX_BLOCK) {
            throw new IllegalArgumentException("tus.max-size is larger than a block blob can be (50,000 blocks of 4000 MiB)");
        }
        this.container = container;
        this.sharedKey = sharedKey;
        this.state = new AzureState(dataSource);
        this.settings = settings;
    }

    // ---- names ----

    String blobName(String uploadId) {
        if (!UploadIds.isValid(uploadId)) {
            throw new IllegalArgumentException("invalid upload id");
        }
        return settings.prefix() + uploadId;
    }

    private BlockBlobClient blob(String uploadId) {
        return container.getBlobClient(blobName(uploadId)).getBlockBlobClient();
    }

    /**
     * A block's id: its start offset and the nonce of the append (or concatenation) that staged it,
     * {@code base64("%020d-%016x")}, 37 characters before base64. Zero-padded, so every id of a blob has the same
     * length (Azure requires it). The nonce makes ids unique per append: a Put Block still in flight from an append
     * that ended (its replica killed, its lock lost) can land after the next append staged the block at the same
     * offset, and with the offset alone as id it replaced that block and the next commit named it. Now it stages an id
     * no later append names, and Azure discards it at the next commit.
     */
    static String blockId(long start, long nonce) {
        return encode(String.format("%020d-%016x", start, nonce));
    }

    /**
     * A block's id as this server wrote them before they carried a nonce: the start offset alone,
     * {@code base64("%020d")}, 20 characters. Still used for blobs whose committed blocks have such ids (see
     * {@link #openAppend}).
     */
    static String legacyBlockId(long start) {
        return encode(String.format("%020d", start));
    }

    private static String encode(String id) {
        return Base64.getEncoder().encodeToString(id.getBytes(StandardCharsets.US_ASCII));
    }

    /** The decoded ids {@link #blockId} and {@link #legacyBlockId} write; group 1 is the start offset. */
    private static final Pattern BLOCK_ID = Pattern.compile("(\\d{20})(-[0-9a-f]{16})?");

    /** The start offset a block's id names, in either format. */
    static long blockStart(String blockId) throws UploadBytesLostException {
        try {
            Matcher id = BLOCK_ID.matcher(new String(Base64.getDecoder().decode(blockId), StandardCharsets.US_ASCII));
            if (id.matches()) {
                return Long.parseLong(id.group(1));
            }
        } catch (IllegalArgumentException e) {
            // not base64, or an offset beyond a long: not ours either
        }
        throw new UploadBytesLostException("block id " + blockId + " was not written by this server");
    }

    /** Whether a block's id is a {@link #legacyBlockId} (20 characters before base64). */
    static boolean isLegacy(String blockId) {
        try {
            return Base64.getDecoder().decode(blockId).length == 20;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The block size for a new upload: the configured one, raised (in whole MiB) so 50,000 blocks hold it. */
    long blockSizeFor(Long length) {
        long bound = length != null ? length : settings.maxSize();
        long needed = ceilDiv(bound, MAX_BLOCKS);
        return needed <= settings.blockSize() ? settings.blockSize() : ceilDiv(needed, MIB) * MIB;
    }

    // ---- the SPI ----

    @Override
    public void create(String uploadId, String contentType) throws IOException {
        blobName(uploadId);
        // No Azure call: the blob appears with its first commit. The row carries the Content-Type until then.
        db(() -> state.create(uploadId, contentType));
    }

    @Override
    public AppendSink openAppend(String uploadId, long committedOffset, Long length) throws IOException {
        BlockBlobClient blob = blob(uploadId);
        AzureState.Upload upload = db(() -> state.find(uploadId)).orElse(null);
        String contentType = upload == null ? DownloadHeaders.FALLBACK_TYPE : upload.contentType();
        long blockSize;
        if (upload != null && upload.blockSize() != null) {
            blockSize = upload.blockSize();
        } else {
            long wanted = blockSizeFor(length);
            blockSize = db(() -> state.fixBlockSize(uploadId, contentType, wanted));
        }
        Committed committed = committedBlocks(uploadId, blob);
        // Azure refuses block ids of two lengths in one blob, so a blob whose committed blocks have legacy ids
        // (started before ids carried a nonce) keeps getting them: for those blobs a late Put Block from an append
        // that ended can still replace a block of the same start (see blockId). Every other blob gets ids with this
        // append's nonce.
        boolean legacyIds = !committed.blocks().isEmpty() && isLegacy(committed.blocks().get(0).getName());
        // Blocks are contiguous and named after their start offsets. Those wholly below the committed offset are
        // kept; the one it falls in is read back up to it and staged again, with the new bytes, under this append's
        // id for its start; anything beyond is garbage, left out of the next commit. A short block (the end of an
        // earlier PATCH) is kept as it is while the blocks the rest of the upload may need still fit within 50,000
        // (so 4 MiB PATCHes cost no read-back); past that, it is read back and refilled too, and blocks are full
        // again from there on.
        List<Block> below = new ArrayList<>();
        long position = 0;
        long blockStart = committedOffset;
        for (Block block : committed.blocks()) {
            if (position >= committedOffset) {
                break;
            }
            if (blockStart(block.getName()) != position) {
                throw new UploadBytesLostException("upload " + uploadId + ": the block at " + position
                        + " is not where its id puts it");
            }
            if (position + block.getSizeLong() > committedOffset) {
                blockStart = position;
                position = committedOffset;
                break;
            }
            below.add(block);
            position += block.getSizeLong();
        }
        if (position < committedOffset) {
            throw new UploadBytesLostException("upload " + uploadId + " is at offset " + committedOffset + " but its blob"
                    + " holds " + position + " committed bytes");
        }
        long bound = Math.max(length != null ? length : settings.maxSize(), committedOffset);
        long needed = ceilDiv(bound - blockStart, blockSize) + 1;
        if (blockStart == committedOffset && !below.isEmpty() && below.size() + needed > MAX_BLOCKS
                && below.get(below.size() - 1).getSizeLong() < blockSize) {
            blockStart -= below.remove(below.size() - 1).getSizeLong();
        }
        List<String> kept = below.stream().map(Block::getName).toList();
        Spool spool = new Spool(settings.spoolDirectory());
        try {
            if (committedOffset > blockStart) {
                read(uploadId, blob, blockStart, committedOffset - blockStart, committed.etag(), spool);
            }
            return new AzureAppendSink(uploadId, blob, contentType, blockSize, spool, blockStart, committedOffset, kept,
                    committed.etag(), legacyIds);
        } catch (IOException | RuntimeException e) {
            spool.close();
            throw e;
        }
    }

    /** The blob's committed block list and the ETag it belongs to; no blob: no blocks and a null ETag. */
    private record Committed(List<Block> blocks, String etag) {
    }

    private Committed committedBlocks(String uploadId, BlockBlobClient blob) throws IOException {
        try {
            Response<BlockList> response = blob.listBlocksWithResponse(BlockListType.COMMITTED, null, null, Context.NONE);
            List<Block> blocks = response.getValue().getCommittedBlocks();
            String etag = response.getHeaders().getValue(HttpHeaderName.ETAG);
            if (blocks.isEmpty()) {
                // With no committed block the list's ETag cannot be trusted: a blob that holds only staged blocks (an
                // append cut or killed before its first commit) answers the list with an ETag, yet the blob does not
                // exist and a commit If-Match that ETag is refused forever (uploads stuck at offset 0 in
                // AzureMultiReplicaIT); and a blob committed empty may name none. The blob's properties say which.
                etag = existingEtag(blob);
            }
            return new Committed(blocks, etag);
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return new Committed(List.of(), null);
            }
            throw unavailable("listing the blocks of upload " + uploadId, e);
        } catch (RuntimeException e) {
            throw unavailable("listing the blocks of upload " + uploadId, e);
        }
    }

    /** The ETag of the committed blob, null when there is none (404, also while it holds only staged blocks). */
    private static String existingEtag(BlockBlobClient blob) {
        try {
            return blob.getProperties().getETag();
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    @Override
    public void finish(String uploadId, long length) throws IOException {
        BlockBlobClient blob = blob(uploadId);
        long size;
        try {
            size = blob.getProperties().getBlobSize();
        } catch (BlobStorageException e) {
            if (e.getStatusCode() != 404) {
                throw unavailable("reading the size of upload " + uploadId, e);
            }
            if (length != 0) {
                throw new UploadBytesLostException("upload " + uploadId + " has no blob");
            }
            // An empty upload: a blob of no blocks, with its Content-Type.
            String contentType = db(() -> state.find(uploadId)).map(AzureState.Upload::contentType)
                    .orElse(DownloadHeaders.FALLBACK_TYPE);
            call("storing empty upload " + uploadId, () -> blob.commitBlockListWithResponse(
                    new BlockBlobCommitBlockListOptions(List.of())
                            .setHeaders(new BlobHttpHeaders().setContentType(contentType)),
                    null, Context.NONE));
            return;
        } catch (RuntimeException e) {
            throw unavailable("reading the size of upload " + uploadId, e);
        }
        // Every sync commits exactly what it was given, so the blob is the upload already: nothing to assemble.
        if (size != length) {
            throw new UploadBytesLostException("upload " + uploadId + " holds " + size + " bytes, not " + length);
        }
    }

    @Override
    public InputStream openRead(String uploadId, long position, long length) throws IOException {
        BlockBlobClient blob = blob(uploadId);
        return call("reading upload " + uploadId, () -> blob.openInputStream(new BlobInputStreamOptions()
                .setRange(new BlobRange(position, length)).setBlockSize((int) Math.min(length, 4 * MIB))));
    }

    @Override
    public void delete(String uploadId) throws IOException {
        BlockBlobClient blob = blob(uploadId);
        // Uncommitted blocks outlive a Delete Blob of a blob that was never committed (Azure drops them only after a
        // week): committing an empty list first discards every one of them.
        call("deleting upload " + uploadId, () -> blob.commitBlockListWithResponse(
                new BlockBlobCommitBlockListOptions(List.of()), null, Context.NONE));
        call("deleting upload " + uploadId,
                () -> blob.deleteIfExistsWithResponse(DeleteSnapshotsOptionType.INCLUDE, null, null, Context.NONE));
        db(() -> state.delete(uploadId));
    }

    @Override
    public void checkWritable() throws IOException {
        call("checking container " + settings.container(),
                () -> container.getPropertiesWithResponse(null, settings.healthTimeout(), Context.NONE));
    }

    @Override
    public URI presignDownload(String uploadId, String contentType, String contentDisposition, Duration validity)
            throws IOException {
        BlockBlobClient blob = blob(uploadId);
        BlobServiceSasSignatureValues values = new BlobServiceSasSignatureValues(OffsetDateTime.now().plus(validity),
                new BlobSasPermission().setReadPermission(true)).setContentType(contentType)
                .setContentDisposition(contentDisposition);
        return URI.create(blob.getBlobUrl() + "?" + sas(blob, values));
    }

    /** A SAS: signed with the account key, or a user delegation SAS when the client has an Entra ID identity. */
    private String sas(BlockBlobClient blob, BlobServiceSasSignatureValues values) throws IOException {
        if (sharedKey) {
            return blob.generateSas(values);
        }
        return blob.generateUserDelegationSas(values, delegationKey(values.getExpiryTime()));
    }

    private synchronized UserDelegationKey delegationKey(OffsetDateTime until) throws IOException {
        if (delegationKey == null || delegationKey.getSignedExpiry().isBefore(until)) {
            OffsetDateTime now = OffsetDateTime.now();
            OffsetDateTime expiry = until.plusHours(12).isAfter(now.plusDays(7)) ? now.plusDays(7) : until.plusHours(12);
            delegationKey = call("getting a user delegation key",
                    () -> container.getServiceClient().getUserDelegationKey(now.minusMinutes(5), expiry));
        }
        return delegationKey;
    }

    // ---- concatenation ----

    /**
     * Server-side: every partial becomes blocks of the final blob by Put Block From URL (a read SAS lets Azure fetch a
     * private source), in ranges of at most 4000 MiB, committed at once. An empty partial adds no block. The ids carry
     * a nonce of this call, as an append's do.
     */
    @Override
    public long concatenate(String finalId, List<String> partialIds) throws IOException {
        BlockBlobClient target = blob(finalId);
        String contentType = db(() -> state.find(finalId)).map(AzureState.Upload::contentType)
                .orElse(DownloadHeaders.FALLBACK_TYPE);
        Map<String, Long> sizes = new HashMap<>();
        Map<String, String> urls = new HashMap<>();
        for (String partialId : partialIds) {
            if (!sizes.containsKey(partialId)) {
                BlockBlobClient source = blob(partialId);
                try {
                    sizes.put(partialId, source.getProperties().getBlobSize());
                } catch (BlobStorageException e) {
                    if (e.getStatusCode() == 404) {
                        throw new UploadBytesLostException("partial upload " + partialId + " has no blob");
                    }
                    throw unavailable("reading the size of " + partialId, e);
                }
                urls.put(partialId, source.getBlobUrl() + "?" + sas(source, new BlobServiceSasSignatureValues(
                        OffsetDateTime.now().plus(COPY_SAS_VALIDITY), new BlobSasPermission().setReadPermission(true))));
            }
        }
        List<String> ids = new ArrayList<>();
        long nonce = ThreadLocalRandom.current().nextLong();
        long total = 0;
        for (String partialId : partialIds) {
            long size = sizes.get(partialId);
            for (long at = 0; at < size; at += MAX_BLOCK) {
                long count = Math.min(MAX_BLOCK, size - at);
                String id = blockId(total + at, nonce);
                BlockBlobStageBlockFromUrlOptions copy = new BlockBlobStageBlockFromUrlOptions(id, urls.get(partialId))
                        .setSourceRange(new BlobRange(at, count));
                String what = "copying " + partialId + " into " + finalId;
                try {
                    target.stageBlockFromUrlWithResponse(copy, null, Context.NONE);
                } catch (BlobStorageException e) {
                    if (!refusedForIdLength(e) || !ids.isEmpty()) {
                        throw unavailable(what, e);
                    }
                    // Blocks of an earlier version's attempt, with ids of another length, refuse ours: an empty
                    // commit discards them, then the block is copied again, once. Only while there is no blob
                    // (If-None-Match: *): a committed final is never emptied here.
                    call(what, () -> target.commitBlockListWithResponse(new BlockBlobCommitBlockListOptions(List.of())
                            .setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*")), null, Context.NONE));
                    call(what, () -> target.stageBlockFromUrlWithResponse(copy, null, Context.NONE));
                } catch (RuntimeException e) {
                    throw unavailable(what, e);
                }
                ids.add(id);
            }
            total += size;
        }
        if (ids.size() > MAX_BLOCKS) {
            throw new IOException("concatenating " + finalId + " needs more than 50,000 blocks");
        }
        call("committing " + finalId, () -> target.commitBlockListWithResponse(new BlockBlobCommitBlockListOptions(ids)
                .setHeaders(new BlobHttpHeaders().setContentType(contentType)), null, Context.NONE));
        return total;
    }

    // ---- appends ----

    /**
     * An append: bytes go to the spool; each full block is staged under the id of its start offset and this append's
     * nonce (or the legacy id of its start offset, for a blob that has those). A checkpoint commits the block list up
     * to the last staged block; {@link #sync()} stages the rest as a (possibly short) block and commits. Every commit
     * is conditional on the blob's ETag as this append last saw it, so an append that lost its lock cannot overwrite a
     * newer one's list.
     */
    private final class AzureAppendSink implements AppendSink {
        private final String uploadId;
        private final BlockBlobClient blob;
        private final String contentType;
        private final long blockSize;
        private final Spool spool;
        /** The upload offset of the spool's first byte: a block boundary. */
        private long blockStart;
        /** Ids of the blocks staged or kept, in order; guarded by {@code this}. */
        private final List<String> blocks;
        /** The end offset of the last block in {@link #blocks}; guarded by {@code this}. */
        private long blocksEnd;
        /** The blob's ETag after the last commit, null while there is no blob; guarded by {@code this}. */
        private String etag;
        private volatile long durable;
        /** Whether block ids are {@link #legacyBlockId}s; else {@link #blockId} with {@link #nonce}. */
        private final boolean legacyIds;
        private final long nonce = ThreadLocalRandom.current().nextLong();

        AzureAppendSink(String uploadId, BlockBlobClient blob, String contentType, long blockSize, Spool spool,
                long blockStart, long committedOffset, List<String> kept, String etag, boolean legacyIds) {
            this.uploadId = uploadId;
            this.blob = blob;
            this.contentType = contentType;
            this.blockSize = blockSize;
            this.spool = spool;
            this.blockStart = blockStart;
            this.blocks = new ArrayList<>(kept);
            this.blocksEnd = blockStart;
            this.durable = committedOffset;
            this.etag = etag;
            this.legacyIds = legacyIds;
        }

        private String id(long start) {
            return legacyIds ? legacyBlockId(start) : blockId(start, nonce);
        }

        @Override
        public void write(ByteBuffer[] batch) throws IOException {
            for (ByteBuffer buffer : batch) {
                ByteBuffer rest = buffer.duplicate();
                while (rest.hasRemaining()) {
                    int take = (int) Math.min(rest.remaining(), blockSize - spool.size());
                    ByteBuffer slice = rest.slice();
                    slice.limit(take);
                    spool.write(slice);
                    rest.position(rest.position() + take);
                    if (spool.size() == blockSize) {
                        stageSpool();
                        blockStart += blockSize;
                        spool.clear();
                    }
                }
            }
        }

        /**
         * Stages the spool as the block at {@link #blockStart}, replacing this append's earlier version of it. Never
         * while a checkpoint commits: a successful Put Block List discards every uncommitted block it does not name,
         * so a block staged during it could vanish.
         */
        private synchronized void stageSpool() throws IOException {
            String id = id(blockStart);
            long size = spool.size();
            String what = "staging a block of upload " + uploadId;
            try {
                blob.stageBlockWithResponse(id, spool.newInputStream(), size, null, null, null, Context.NONE);
            } catch (BlobStorageException e) {
                if (!refusedForIdLength(e) || etag != null || !blocks.isEmpty()) {
                    throw unavailable(what, e);
                }
                // No blob yet, and this append's first block refused (400 InvalidBlobOrBlock): staged blocks with ids
                // of another length are there, left by an append of an earlier version cut before its first commit.
                // Committing an empty list (If-None-Match: *) discards every staged block; then stage again, once.
                commitList(List.of());
                call(what, () -> blob.stageBlockWithResponse(id, spool.newInputStream(), size, null, null, null,
                        Context.NONE));
            } catch (RuntimeException e) {
                throw unavailable(what, e);
            }
            if (blocks.isEmpty() || !blocks.get(blocks.size() - 1).equals(id)) {
                blocks.add(id);
            }
            blocksEnd = blockStart + size;
        }

        @Override
        public long sync() throws IOException {
            long written = blockStart + spool.size();
            if (written > durable) {
                if (spool.size() > 0) {
                    stageSpool();
                }
                commit();
            }
            return durable;
        }

        @Override
        public long checkpoint() throws IOException {
            // Whole blocks staged since the last commit become durable with one Put Block List.
            commit();
            return durable;
        }

        private synchronized void commit() throws IOException {
            if (blocksEnd <= durable) {
                return;
            }
            long end = blocksEnd;
            commitList(List.copyOf(blocks));
            durable = end;
        }

        /** Commits {@code ids}, conditional on {@link #etag}, and takes the new ETag. */
        private void commitList(List<String> ids) throws IOException {
            BlobRequestConditions conditions = etag == null ? new BlobRequestConditions().setIfNoneMatch("*")
                    : new BlobRequestConditions().setIfMatch(etag);
            try {
                Response<BlockBlobItem> response = blob.commitBlockListWithResponse(
                        new BlockBlobCommitBlockListOptions(ids).setHeaders(new BlobHttpHeaders().setContentType(contentType))
                                .setRequestConditions(conditions),
                        null, Context.NONE);
                etag = response.getValue().getETag();
            } catch (BlobStorageException e) {
                if (e.getStatusCode() == 412 || e.getStatusCode() == 409) {
                    throw new IOException("upload " + uploadId + " was changed by another append (its lock was lost)", e);
                }
                throw unavailable("committing the blocks of upload " + uploadId, e);
            } catch (RuntimeException e) {
                throw unavailable("committing the blocks of upload " + uploadId, e);
            }
        }

        @Override
        public void close() throws IOException {
            spool.close();
        }
    }

    // ---- Azure calls ----

    /** Copies {@code count} bytes of the blob from {@code position} into the spool, as of ETag {@code etag}. */
    private void read(String uploadId, BlockBlobClient blob, long position, long count, String etag, Spool spool)
            throws IOException {
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] { (byte) b }, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                spool.write(ByteBuffer.wrap(b, off, len));
            }
        };
        try {
            blob.downloadStreamWithResponse(out, new BlobRange(position, count), null,
                    new BlobRequestConditions().setIfMatch(etag), false, null, Context.NONE);
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                throw new UploadBytesLostException("the blob of upload " + uploadId + " is gone");
            }
            throw unavailable("reading back the last block of upload " + uploadId, e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            throw unavailable("reading back the last block of upload " + uploadId, e);
        }
        if (spool.size() != count) {
            throw new UploadBytesLostException("the blob of upload " + uploadId + " holds fewer bytes than committed");
        }
    }

    /** Deletes the blobs of uploads whose rows are gone (see {@link AzureState#orphans}); returns how many. */
    public int reclaimOrphans(Duration minAge) {
        int reclaimed = 0;
        try {
            for (String id : state.orphans(minAge.toSeconds(), 100)) {
                try {
                    delete(id);
                    reclaimed++;
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("reclaiming the blob of deleted upload %s failed; will retry: %s", id, e.getMessage());
                }
            }
        } catch (SQLException e) {
            LOG.warnf("looking for orphaned Azure state failed: %s", e.getMessage());
        }
        return reclaimed;
    }

    /** Azure's answer to a block id of another length than the blob's staged blocks have (400 InvalidBlobOrBlock). */
    private static boolean refusedForIdLength(BlobStorageException e) {
        return e.getStatusCode() == 400 && BlobErrorCode.INVALID_BLOB_OR_BLOCK.equals(e.getErrorCode());
    }

    private static StorageUnavailableException unavailable(String what, RuntimeException e) {
        String message = e instanceof BlobStorageException b ? b.getStatusCode() + " " + b.getErrorCode() : e.getMessage();
        return new StorageUnavailableException(what + " failed: " + message, e);
    }

    private static <T> T call(String what, Supplier<T> request) throws StorageUnavailableException {
        try {
            return request.get();
        } catch (RuntimeException e) {
            throw unavailable(what, e);
        }
    }

    private static <T> T db(StateCalls.SqlCall<T> call) throws IOException {
        return StateCalls.db("Azure", call);
    }

    private static void db(StateCalls.SqlRun call) throws IOException {
        StateCalls.db("Azure", call);
    }

    static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
