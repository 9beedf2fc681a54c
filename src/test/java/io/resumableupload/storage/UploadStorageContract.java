package io.resumableupload.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every storage backend must do, driven the way the server drives it: the test keeps the committed offset
 * (the database's job) and only advances it to what {@link AppendSink#sync()} or {@link AppendSink#checkpoint()}
 * reported. {@link #storage()} returns a new backend instance on every call, as a restarted process (or another
 * replica) would have, so every step also checks that nothing lives only in one instance's memory.
 */
public abstract class UploadStorageContract {

    /** A new backend instance over the same stored bytes. */
    protected abstract UploadStorage storage() throws Exception;

    /**
     * The backend's natural unit (an S3 part): sizes around it are the interesting ones. Backends without one
     * return any size.
     */
    protected abstract int partSize();

    /** Asserts that nothing of {@code uploadId} is stored any more (objects, multipart uploads, files, state). */
    protected abstract void assertNothingStored(String uploadId) throws Exception;

    /** Asserts that no append left anything behind in local scratch space. */
    protected void assertScratchSpaceEmpty() throws Exception {
    }

    private final Random random = new Random(42);

    @AfterEach
    void scratchSpaceIsEmpty() throws Exception {
        assertScratchSpaceEmpty();
    }

    protected static String newId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    // ---- appends ----

    @Test
    void appends_of_every_size_round_trip_across_restarts() throws Exception {
        int p = partSize();
        int[] sizes = { 0, 1, p - 1, p, p + 1, 1000, 0, 7, 3 };
        byte[] data = bytes(Arrays.stream(sizes).sum());
        String id = create();
        long committed = 0;
        for (int size : sizes) {
            long durable = append(storage(), id, committed, (long) data.length, data, (int) committed, size);
            assertEquals(committed + size, durable);
            committed = durable;
        }
        storage().finish(id, data.length);
        assertArrayEquals(data, read(id, 0, data.length));
    }

    @Test
    void many_small_appends_make_one_upload() throws Exception {
        byte[] data = bytes(40 * 1024 + partSize() / 4);
        String id = create();
        long committed = 0;
        while (committed < data.length) {
            int size = (int) Math.min(data.length - committed, 1 + random.nextInt(60_000));
            committed = append(storage(), id, committed, null, data, (int) committed, size);
        }
        finishAndCheck(id, data);
    }

    @Test
    void a_whole_upload_in_one_append_of_exactly_one_part_or_one_byte_more() throws Exception {
        for (int size : new int[] { partSize(), partSize() + 1, 2 * partSize() }) {
            byte[] data = bytes(size);
            String id = create();
            assertEquals(size, append(storage(), id, 0, (long) size, data, 0, size));
            finishAndCheck(id, data);
        }
    }

    @Test
    void bytes_beyond_the_committed_offset_are_discarded_on_the_next_append() throws Exception {
        int p = partSize();
        byte[] data = bytes(2 * p + 500);
        String id = create();
        long committed = append(storage(), id, 0, (long) data.length, data, 0, 300);
        // Garbage past the committed offset, reaching into a second part: stored, synced, never committed (a lost
        // compare-and-set or a checksum mismatch), then a close without sync (a cut connection).
        byte[] garbage = bytes(p + 1000);
        append(storage(), id, committed, (long) data.length, garbage, 0, garbage.length);
        try (AppendSink sink = storage().openAppend(id, committed, (long) data.length)) {
            sink.write(new ByteBuffer[] { ByteBuffer.wrap(garbage) });
        }
        committed = append(storage(), id, committed, (long) data.length, data, (int) committed,
                data.length - (int) committed);
        assertEquals(data.length, committed);
        finishAndCheck(id, data);
    }

    @Test
    void an_append_that_fails_half_way_resumes_at_the_committed_offset() throws Exception {
        int p = partSize();
        byte[] data = bytes(3 * p);
        String id = create();
        long committed = append(storage(), id, 0, (long) data.length, data, 0, p / 2);
        AppendSink broken = storage().openAppend(id, committed, (long) data.length);
        broken.write(batches(data, (int) committed, p + 10));
        // A checkpoint counts only what is durable with no gap from the committed offset.
        long checkpoint = broken.checkpoint();
        assertTrue(checkpoint >= committed && checkpoint <= committed + p + 10, "checkpoint " + checkpoint);
        broken.close();
        committed = checkpoint;
        committed = append(storage(), id, committed, (long) data.length, data, (int) committed,
                data.length - (int) committed);
        finishAndCheck(id, data);
    }

    /**
     * An append's declared size (its request's Content-Length) is a hint: S3 starts uploading a part the request will
     * fill while it is received. Fewer bytes may arrive (a cut connection): what arrived is stored, whether the cut
     * falls inside a part, on a part's end or just past it, and the upload resumes from there.
     */
    @Test
    void an_append_that_declares_more_than_arrives_stores_what_arrived() throws Exception {
        int p = partSize();
        byte[] data = bytes(4 * p + 3);
        String id = create();
        long committed = 0;
        for (int arrives : new int[] { p / 3, p - p / 3, 1, p + 5, p - 6 }) {
            long durable = appendDeclaring(id, committed, data, arrives, data.length - committed);
            assertEquals(committed + arrives, durable, "after " + arrives + " of the declared bytes from " + committed);
            committed = durable;
        }
        assertEquals(3L * p, committed);
        // The rest, declared exactly: a whole part, then the last 3 bytes.
        committed = appendDeclaring(id, committed, data, data.length - (int) committed, data.length - committed);
        assertEquals(data.length, committed);
        finishAndCheck(id, data);
    }

    @Test
    void checkpoints_during_a_long_append_count_whole_durable_parts() throws Exception {
        int p = partSize();
        byte[] data = bytes(3 * p + 17);
        String id = create();
        long committed = 0;
        try (AppendSink sink = storage().openAppend(id, 0, (long) data.length)) {
            int at = 0;
            while (at < 2 * p + 5) {
                int n = Math.min(64 * 1024, 2 * p + 5 - at);
                sink.write(new ByteBuffer[] { ByteBuffer.wrap(data, at, n) });
                at += n;
                long checkpoint = sink.checkpoint();
                assertTrue(checkpoint >= committed && checkpoint <= at, "checkpoint " + checkpoint + " at " + at);
                committed = checkpoint;
            }
            // Parts may still be on their way (uploads in the background): they count once stored.
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (committed < 2L * p && System.nanoTime() < deadline) {
                Thread.sleep(20);
                committed = sink.checkpoint();
            }
            assertTrue(committed >= 2L * p, "two whole parts were written but only " + committed + " counted");
        }
        // The process dies here: the next append starts at the last checkpoint.
        committed = append(storage(), id, committed, (long) data.length, data, (int) committed,
                data.length - (int) committed);
        finishAndCheck(id, data);
    }

    @Test
    void a_deferred_length_is_declared_with_the_last_bytes_or_with_none() throws Exception {
        int p = partSize();
        byte[] data = bytes(p + 10);
        String id = create();
        long committed = append(storage(), id, 0, null, data, 0, p + 5);
        committed = append(storage(), id, committed, (long) data.length, data, (int) committed, 5);
        finishAndCheck(id, data);

        String declaredLater = create();
        committed = append(storage(), declaredLater, 0, null, data, 0, data.length);
        // Upload-Length arrives in a PATCH with no body, equal to the offset.
        assertEquals(data.length, append(storage(), declaredLater, committed, (long) data.length, data, data.length, 0));
        finishAndCheck(declaredLater, data);
    }

    // ---- finish ----

    @Test
    void finish_is_idempotent() throws Exception {
        byte[] data = bytes(partSize() + 3);
        String id = create();
        append(storage(), id, 0, (long) data.length, data, 0, data.length);
        storage().finish(id, data.length);
        storage().finish(id, data.length);
        assertArrayEquals(data, read(id, 0, data.length));
    }

    /**
     * finish() runs before the compare-and-set that completes the upload: after a crash between the two, the client
     * resends the last bytes at the old offset, possibly different ones, and those are what the upload then holds.
     */
    @Test
    void an_append_after_a_finish_whose_offset_was_never_committed_rebuilds_the_upload() throws Exception {
        int p = partSize();
        byte[] data = bytes(2 * p + 1000);
        String id = create();
        long committed = append(storage(), id, 0, (long) data.length, data, 0, p + 500);
        byte[] first = data.clone();
        first[data.length - 1] ^= 1;
        first[p + 600] ^= 1;
        append(storage(), id, committed, (long) data.length, first, (int) committed, data.length - (int) committed);
        storage().finish(id, data.length);
        // The compare-and-set never happened: still at `committed`.
        assertEquals(data.length, append(storage(), id, committed, (long) data.length, data, (int) committed,
                data.length - (int) committed));
        finishAndCheck(id, data);
    }

    @Test
    void a_zero_length_upload_finishes_and_can_be_deleted() throws Exception {
        String id = create();
        storage().finish(id, 0);
        storage().finish(id, 0);
        storage().delete(id);
        assertNothingStored(id);
    }

    // ---- reads ----

    @Test
    void ranged_reads_return_exactly_the_range() throws Exception {
        int p = partSize();
        byte[] data = bytes(2 * p + 100);
        String id = create();
        append(storage(), id, 0, (long) data.length, data, 0, data.length);
        storage().finish(id, data.length);
        for (long[] range : new long[][] { { 0, 1 }, { 0, data.length }, { p - 1, 2 }, { data.length - 1, 1 },
                { 12345, p } }) {
            byte[] expected = Arrays.copyOfRange(data, (int) range[0], (int) (range[0] + range[1]));
            assertArrayEquals(expected, read(id, range[0], range[1]), "range " + Arrays.toString(range));
        }
        // Closing a read early is allowed and leaves the upload readable.
        try (InputStream in = storage().openRead(id, 0, data.length)) {
            assertEquals(data[0] & 0xff, in.read());
        }
        assertArrayEquals(data, read(id, 0, data.length));
    }

    // ---- delete ----

    @Test
    void delete_is_idempotent_and_leaves_nothing_behind() throws Exception {
        int p = partSize();
        byte[] data = bytes(p + 10);
        String unfinished = create();
        long committed = append(storage(), unfinished, 0, (long) 2 * p, data, 0, p + 10);
        assertEquals(p + 10, committed);
        storage().delete(unfinished);
        storage().delete(unfinished);
        assertNothingStored(unfinished);

        String finished = create();
        append(storage(), finished, 0, (long) data.length, data, 0, data.length);
        storage().finish(finished, data.length);
        storage().delete(finished);
        assertNothingStored(finished);

        String neverWritten = create();
        storage().delete(neverWritten);
        assertNothingStored(neverWritten);
        storage().delete(newId());
    }

    // ---- concatenation ----

    @Test
    void concatenation_joins_partials_in_order_including_empty_and_repeated_ones() throws Exception {
        UploadStorage storage = storage();
        if (!(storage instanceof ConcatenatingStorage)) {
            return;
        }
        int p = partSize();
        byte[] empty = new byte[0];
        byte[] small = bytes(1000);
        byte[] large = bytes(p + 123);
        String emptyId = finished(empty);
        String smallId = finished(small);
        String largeId = finished(large);
        List<String> order = List.of(smallId, emptyId, largeId, smallId, largeId, emptyId, smallId);
        byte[] expected = concat(small, empty, large, small, large, empty, small);

        String finalId = create();
        assertEquals(expected.length, ((ConcatenatingStorage) storage()).concatenate(finalId, order));
        storage().finish(finalId, expected.length);
        assertArrayEquals(expected, read(finalId, 0, expected.length));
        // Again into the same final (an earlier attempt's bytes are replaced), and from small partials only.
        assertEquals(expected.length, ((ConcatenatingStorage) storage()).concatenate(finalId, order));
        assertArrayEquals(expected, read(finalId, 0, expected.length));
        String smallFinal = create();
        assertEquals(2000, ((ConcatenatingStorage) storage()).concatenate(smallFinal, List.of(smallId, emptyId, smallId)));
        storage().finish(smallFinal, 2000);
        assertArrayEquals(concat(small, small), read(smallFinal, 0, 2000));
        String emptyFinal = create();
        assertEquals(0, ((ConcatenatingStorage) storage()).concatenate(emptyFinal, List.of(emptyId, emptyId)));
        storage().finish(emptyFinal, 0);
        for (String id : List.of(finalId, smallFinal, emptyFinal, emptyId, smallId, largeId)) {
            storage().delete(id);
            assertNothingStored(id);
        }
    }

    // ---- helpers ----

    protected String create() throws Exception {
        String id = newId();
        storage().create(id, "application/octet-stream");
        return id;
    }

    /** A finished upload holding {@code data}, written in one append. */
    protected String finished(byte[] data) throws Exception {
        String id = create();
        append(storage(), id, 0, (long) data.length, data, 0, data.length);
        storage().finish(id, data.length);
        return id;
    }

    /**
     * One append of {@code count} bytes of {@code data} from {@code from}, in batches of varying sizes; returns the
     * durable offset {@code sync} reported (the test then treats it as committed).
     */
    protected long append(UploadStorage storage, String id, long committed, Long length, byte[] data, int from, int count)
            throws IOException {
        try (AppendSink sink = storage.openAppend(id, committed, length)) {
            sink.write(batches(data, from, count));
            return sink.sync();
        }
    }

    /** One append whose request declared {@code declared} bytes but brings only {@code count}; returns sync's offset. */
    private long appendDeclaring(String id, long committed, byte[] data, int count, long declared) throws Exception {
        try (AppendSink sink = storage().openAppend(id, committed, (long) data.length)) {
            sink.expect(declared);
            sink.write(batches(data, (int) committed, count));
            return sink.sync();
        }
    }

    /** The bytes as the server hands them over: several buffers of uneven sizes. */
    private ByteBuffer[] batches(byte[] data, int from, int count) {
        List<ByteBuffer> buffers = new ArrayList<>();
        int at = from;
        while (at < from + count) {
            int n = Math.min(from + count - at, 1 + random.nextInt(256 * 1024));
            buffers.add(ByteBuffer.wrap(data, at, n).slice());
            at += n;
        }
        return buffers.toArray(ByteBuffer[]::new);
    }

    protected void finishAndCheck(String id, byte[] data) throws Exception {
        storage().finish(id, data.length);
        assertArrayEquals(data, read(id, 0, data.length));
    }

    protected byte[] read(String id, long position, long length) throws Exception {
        if (length == 0) {
            return new byte[0];
        }
        try (InputStream in = storage().openRead(id, position, length)) {
            return in.readAllBytes();
        }
    }

    protected byte[] bytes(int size) {
        byte[] data = new byte[size];
        random.nextBytes(data);
        return data;
    }

    private static byte[] concat(byte[]... parts) {
        int total = Arrays.stream(parts).mapToInt(a -> a.length).sum();
        byte[] all = new byte[total];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
