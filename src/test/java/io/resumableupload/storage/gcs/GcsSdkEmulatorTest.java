package io.resumableupload.storage.gcs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import io.resumableupload.storage.StorageUnavailableException;
import io.resumableupload.storage.gcs.GcsApi.ObjectInfo;
import io.resumableupload.support.GcsEmulator;

/**
 * The SDK adapter ({@link SdkGcsApi}, built by {@link SdkGcsApi#connect} as the server builds it for an emulator
 * endpoint) over real HTTP against the Firebase Storage emulator: every {@link GcsApi} call the emulator serves, and what
 * the adapter makes of the ones it refuses. Opt-in ({@link GcsEmulator#runnable()}).
 * <p>
 * What this does not prove, because the emulator does not do it (see {@link GcsEmulator}): that a generation
 * precondition is kept (the emulator ignores {@code ifGenerationMatch}: {@link #theEmulatorIgnoresPreconditions} pins
 * that, and {@code GcsSdkWireTest} checks that the adapter sends them and maps GCS's 412); compose (the emulator answers
 * 501, asserted below as a clear failure); a write larger than one resumable chunk; signed URLs (no signing
 * credentials here); anything of GCS itself.
 */
@EnabledIf(value = "io.resumableupload.support.GcsEmulator#runnable", disabledReason = GcsEmulator.OPT_IN)
class GcsSdkEmulatorTest {

    private static final String TYPE = "application/octet-stream";
    private static GcsEmulator emulator;
    private static SdkGcsApi api;
    private final String prefix = "t-" + UUID.randomUUID() + "/";

    @BeforeAll
    static void start() throws IOException {
        emulator = GcsEmulator.start("gcs-emulator");
        api = SdkGcsApi.connect(GcsEmulator.BUCKET, Optional.of(emulator.endpoint()), 1);
    }

    @AfterAll
    static void stop() {
        if (emulator != null) {
            emulator.close();
        }
    }

    private static byte[] bytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static long create(String name, byte[] data, long ifGenerationMatch) throws IOException {
        return api.create(name, new ByteArrayInputStream(data), data.length, TYPE, ifGenerationMatch);
    }

    private static byte[] read(String name, long position, long length) throws IOException {
        try (InputStream in = api.read(name, position, length)) {
            return in.readAllBytes();
        }
    }

    @Test
    void aCreatedObjectReadsBackWithItsSizeAndGeneration() throws IOException {
        byte[] data = bytes(100_000, 1);
        long generation = create(prefix + "a.seg.00000000000000000000", data, 0);

        assertTrue(generation > 0, "generation " + generation);
        assertEquals(Optional.of(new ObjectInfo(prefix + "a.seg.00000000000000000000", data.length, generation)),
                api.get(prefix + "a.seg.00000000000000000000"));
        assertArrayEquals(data, read(prefix + "a.seg.00000000000000000000", 0, data.length));
    }

    @Test
    void anEmptyObject() throws IOException {
        long generation = create(prefix + "empty", new byte[0], 0);

        assertEquals(Optional.of(new ObjectInfo(prefix + "empty", 0, generation)), api.get(prefix + "empty"));
        assertArrayEquals(new byte[0], read(prefix + "empty", 0, 0));
    }

    @Test
    void aMissingObjectIsEmptyNotAnError() throws IOException {
        assertEquals(Optional.empty(), api.get(prefix + "missing"));
    }

    @Test
    void readingAMissingObjectFails() {
        IOException e = assertThrows(IOException.class, () -> read(prefix + "missing", 0, 10));
        assertFalse(e instanceof GcsApi.PreconditionFailedException, e.toString());
    }

    @Test
    void rangedReadsReturnExactlyTheRange() throws IOException {
        // 5 MiB: more than the SDK reader's 2 MiB chunk, so a whole read takes several ranged requests.
        byte[] data = bytes(5 << 20, 2);
        create(prefix + "big", data, 0);

        assertArrayEquals(data, read(prefix + "big", 0, data.length));
        assertArrayEquals(Arrays.copyOfRange(data, 1, 11), read(prefix + "big", 1, 10));
        assertArrayEquals(Arrays.copyOfRange(data, 3_000_000, 5 << 20), read(prefix + "big", 3_000_000, (5 << 20) - 3_000_000));
        assertArrayEquals(Arrays.copyOfRange(data, (5 << 20) - 1, 5 << 20), read(prefix + "big", (5 << 20) - 1, 1));
    }

    @Test
    void aWriteConditionalOnTheCurrentGenerationReplacesTheObject() throws IOException {
        long first = create(prefix + "seg", bytes(1000, 3), 0);
        byte[] second = bytes(2000, 4);
        long generation = create(prefix + "seg", second, first);

        assertNotEquals(first, generation);
        assertEquals(Optional.of(new ObjectInfo(prefix + "seg", 2000, generation)), api.get(prefix + "seg"));
        assertArrayEquals(second, read(prefix + "seg", 0, 2000));
    }

    @Test
    void listReturnsTheObjectsUnderThePrefixByName() throws IOException {
        long b = create(prefix + "u.seg.00000000000000000010", bytes(10, 5), 0);
        long a = create(prefix + "u.seg.00000000000000000000", bytes(10, 6), 0);
        create(prefix + "u2.seg.00000000000000000000", bytes(3, 7), 0);
        create(prefix + "v", bytes(3, 8), 0);

        assertEquals(List.of(new ObjectInfo(prefix + "u.seg.00000000000000000000", 10, a),
                new ObjectInfo(prefix + "u.seg.00000000000000000010", 10, b)), api.list(prefix + "u.seg."));
        assertEquals(4, api.list(prefix).size());
        assertEquals(List.of(), api.list(prefix + "nothing"));
    }

    @Test
    void deleteRemovesTheObjectAndAMissingOneIsNoError() throws IOException {
        long generation = create(prefix + "d1", bytes(10, 9), 0);
        create(prefix + "d2", bytes(10, 10), 0);

        api.delete(prefix + "d1", generation);
        api.delete(prefix + "d2", null);
        api.delete(prefix + "d3", null);
        api.delete(prefix + "d3", 12345L);

        assertEquals(List.of(), api.list(prefix + "d"));
    }

    @Test
    void composeRefusedByTheEmulatorIsAClearFailure() throws IOException {
        create(prefix + "c1", bytes(10, 11), 0);
        create(prefix + "c2", bytes(10, 12), 0);

        IOException e = assertThrows(IOException.class,
                () -> api.compose(List.of(prefix + "c1", prefix + "c2"), prefix + "c", TYPE, 0L));

        assertTrue(e instanceof StorageUnavailableException, e.toString());
        assertTrue(e.getMessage().contains("composing " + prefix + "c failed: 501"), e.getMessage());
        assertEquals(Optional.empty(), api.get(prefix + "c"));
    }

    @Test
    void checkBucketOnTheEmulatorSaysTheBucketIsMissing() {
        // The emulator has no bucket metadata endpoint: GET /storage/v1/b/<bucket> falls through to its download route
        // and answers 404, which the adapter reports as a missing bucket (on GCS the same call answers the bucket).
        IOException e = assertThrows(IOException.class, () -> api.checkBucket(Duration.ofSeconds(5)));
        assertEquals("bucket " + GcsEmulator.BUCKET + " does not exist", e.getMessage());
    }

    @Test
    void aWriteOfSeveralResumableChunksIsRefusedByTheEmulatorAsAClearFailure() {
        // The SDK sends a write in 15 MiB chunks of one resumable session; the emulator finalizes the session at the
        // first chunk and refuses the second (GCS takes them). So the writes above stay under 15 MiB, and a full
        // 32 MiB segment of the backend is not exercised here.
        byte[] data = bytes((16 << 20) + 1, 16);

        StorageUnavailableException e = assertThrows(StorageUnavailableException.class,
                () -> create(prefix + "chunks", data, 0));

        assertTrue(e.getMessage().startsWith("writing " + prefix + "chunks failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("already finalized upload session"), e.getMessage());
    }

    @Test
    void signingWithoutSigningCredentialsIsAClearFailure() {
        IOException e = assertThrows(IOException.class,
                () -> api.signedUrl(prefix + "x", Duration.ofMinutes(1), TYPE, "attachment"));
        assertTrue(e.getMessage().startsWith("signing a URL for " + prefix + "x failed"), e.getMessage());
    }

    @Test
    void theEmulatorIgnoresPreconditions() throws IOException {
        long first = create(prefix + "p", bytes(10, 13), 0);
        // On GCS both of these are 412 (PreconditionFailedException); the emulator carries them out. If a release of it
        // starts refusing them, this fails: then assert PreconditionFailedException here instead.
        long second = create(prefix + "p", bytes(20, 14), 0);
        create(prefix + "p", bytes(30, 15), first);
        api.delete(prefix + "p", second);

        assertEquals(Optional.empty(), api.get(prefix + "p"));
    }
}
