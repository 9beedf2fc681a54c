package io.resumableupload.api;

import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.lock.UploadLock;
import io.resumableupload.lock.UploadLocks;
import io.resumableupload.support.FinishedEvents;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/** PATCH: RELIABILITY A7-A11, B15. */
@QuarkusTest
class PatchTest {

    @TestHTTPResource("/")
    URL root;

    @Inject
    FinishedEvents finishedEvents;

    @Inject
    UploadLocks locks;

    @Test
    void patches_append_in_order_and_the_last_completes_the_upload() {
        byte[] data = Tus.randomBytes(30_000, 7);
        String path = Tus.create(data.length);
        Tus.patch(path, 0, Arrays.copyOfRange(data, 0, 10_000)).then().statusCode(204).header("Upload-Offset", "10000")
                .header("Upload-Expires", startsWith(""));
        Tus.patch(path, 10_000, Arrays.copyOfRange(data, 10_000, 30_000)).then().statusCode(204)
                .header("Upload-Offset", "30000");
        assertArrayEquals(data, Tus.download(path));
    }

    /** Spec: 415 when Content-Type is not application/offset+octet-stream. RELIABILITY A7. */
    @ParameterizedTest
    @ValueSource(strings = { "text/plain", "application/octet-stream", "" })
    void wrong_content_type_is_415_and_changes_nothing(String contentType) {
        String path = Tus.create(10);
        var request = tus().header("Upload-Offset", 0).body(new byte[5]);
        if (!contentType.isEmpty()) {
            request.contentType(contentType);
        }
        request.patch(path).then().statusCode(415).body(startsWith("ERR_INVALID_CONTENT_TYPE"));
        assertEquals(0, Tus.offset(path));
    }

    /** RELIABILITY A8. */
    @ParameterizedTest
    @ValueSource(strings = { "-1", "1.5", "abc", "" })
    void invalid_offset_is_400_and_changes_nothing(String offset) {
        String path = Tus.create(10);
        var request = tus().contentType(Tus.OFFSET_STREAM).body(new byte[5]);
        if (!offset.isEmpty()) {
            request.header("Upload-Offset", offset);
        }
        request.patch(path).then().statusCode(400).body(startsWith("ERR_INVALID_OFFSET"));
        assertEquals(0, Tus.offset(path));
    }

    /** Spec: "If the offsets do not match, the Server MUST respond with 409 ... without modifying the upload". A9. */
    @ParameterizedTest
    @ValueSource(longs = { 0, 6, 100 })
    void offset_mismatch_is_409_and_stores_nothing(long offset) {
        byte[] first = Tus.randomBytes(5, 1);
        String path = Tus.create(10);
        Tus.patch(path, 0, first).then().statusCode(204);
        Tus.patch(path, offset, new byte[5]).then().statusCode(409).body(startsWith("ERR_MISMATCHED_OFFSET"));
        assertEquals(5, Tus.offset(path));
        Tus.patch(path, 5, new byte[5]).then().statusCode(204);
        assertArrayEquals(first, Arrays.copyOf(Tus.download(path), 5));
    }

    /** RELIABILITY A10(a): with Content-Length, 413 before storing anything. */
    @Test
    void body_longer_than_the_rest_of_the_upload_is_413_before_storing() {
        String path = Tus.create(10 * 1024);
        Tus.patch(path, 0, new byte[50 * 1024]).then().statusCode(413).body(startsWith("ERR_UPLOAD_SIZE_EXCEEDED"));
        assertEquals(0, Tus.offset(path));
    }

    /**
     * RELIABILITY A10(b), chunked: 413. Issue 7.2 supersedes A10(b)'s "offset == 10 KiB": a request answered with an
     * error must not finish the upload, so it stores nothing beyond the previous offset; the client resumes from it.
     */
    @Test
    void chunked_body_longer_than_the_upload_is_413_and_stores_nothing() throws Exception {
        byte[] data = Tus.randomBytes(50 * 1024, 9);
        String path = Tus.create(10 * 1024);
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0, "Transfer-Encoding: chunked\r\n");
            for (int i = 0; i < 50; i++) {
                http.chunk(Arrays.copyOfRange(data, i * 1024, (i + 1) * 1024));
            }
            http.lastChunk();
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(10));
            assertEquals(413, response.status());
        }
        assertEquals(0, Tus.offset(path));
        io.restassured.RestAssured.given().get(path).then().statusCode(409);
        Tus.patch(path, 0, Arrays.copyOf(data, 10 * 1024)).then().statusCode(204);
        assertArrayEquals(Arrays.copyOf(data, 10 * 1024), Tus.download(path));
    }

    /** RELIABILITY A11: an empty PATCH at the end of a complete upload is a no-op 204; a byte more is 413. */
    @Test
    void patching_a_complete_upload() {
        byte[] data = Tus.randomBytes(100, 11);
        String path = Tus.upload(data);
        Tus.patch(path, 100, new byte[0]).then().statusCode(204).header("Upload-Offset", "100");
        Tus.patch(path, 100, new byte[1]).then().statusCode(413);
        assertArrayEquals(data, Tus.download(path));
    }

    /**
     * RELIABILITY B15: the completing PATCH succeeded but the client never saw the answer. It retries: HEAD shows
     * offset == length, the repeated PATCH is a no-op, and the finish event fired exactly once.
     */
    @Test
    void completion_happens_exactly_once() {
        byte[] data = Tus.randomBytes(1000, 12);
        String path = Tus.create(data.length);
        Tus.patch(path, 0, data).then().statusCode(204);
        Tus.head(path).then().header("Upload-Offset", "1000").header("Upload-Length", "1000");
        Tus.patch(path, 0, data).then().statusCode(409);
        Tus.patch(path, 1000, new byte[0]).then().statusCode(204).header("Upload-Offset", "1000");
        assertEquals(1, finishedEvents.count(Tus.idOf(path)));
    }

    @Test
    void patch_to_an_unknown_upload_is_404() {
        Tus.patch("/files/AAAAAAAAAAAAAAAAAAAAAA", 0, new byte[1]).then().statusCode(404);
    }

    @Test
    void patch_without_tus_resumable_is_412_and_stores_nothing() {
        String path = Tus.create(10);
        io.restassured.RestAssured.given().header("Upload-Offset", 0).contentType(Tus.OFFSET_STREAM).body(new byte[5])
                .patch(path).then().statusCode(412);
        assertEquals(0, Tus.offset(path));
    }

    @Test
    void a_large_patch_streams_and_survives_checkpoints() {
        byte[] data = Tus.randomBytes(5 * 1024 * 1024 + 17, 13);
        String path = Tus.create(data.length);
        Tus.patch(path, 0, data).then().statusCode(204).header("Upload-Offset", String.valueOf(data.length));
        assertEquals(Tus.sha256(data), Tus.sha256(Tus.download(path)));
    }

    /**
     * A PATCH asked to let go before it starts reading (a newer request came while it waited for the lock or opened
     * storage; on S3 opening takes a while) still stores the bytes already on their way, so a client that was cut off
     * and resumes at once (tus-js-client's HEAD) finds them stored instead of resending from 0.
     */
    @Test
    void a_patch_asked_to_let_go_before_it_reads_still_stores_what_arrived() throws Exception {
        int size = 300_000;
        int sent = 120_000;
        byte[] data = Tus.randomBytes(size, 41);
        String path = Tus.create(size);
        String id = Tus.idOf(path);
        CountDownLatch patchWaits = new CountDownLatch(1);
        UploadLock held = locks.acquire(id, Duration.ofSeconds(5), patchWaits::countDown);
        try (RawHttp stalled = RawHttp.connect(root.getPort())) {
            stalled.patchHead(path, 0, "Content-Length: " + size + "\r\n").send(Arrays.copyOf(data, sent));
            assertTrue(patchWaits.await(60, TimeUnit.SECONDS), "the PATCH never asked for the lock");
            held.close();
            // Ask for the lock again the moment the PATCH has it, as a HEAD arriving then would: the request reaches
            // the PATCH before it reads a byte (it still has to read the upload and open storage).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (UploadLock free; (free = locks.tryAcquire(id)) != null;) {
                free.close();
                assertTrue(System.nanoTime() < deadline, "the PATCH never took the lock");
            }
            locks.acquire(id, Duration.ofSeconds(30), () -> {
            }).close();
            RawHttp.Response response = stalled.readResponse(Duration.ofSeconds(30));
            assertEquals(400, response.status());
        }
        assertEquals(sent, Tus.offset(path));
        Tus.patch(path, sent, Arrays.copyOfRange(data, sent, size)).then().statusCode(204)
                .header("Upload-Offset", String.valueOf(size));
        assertEquals(Tus.sha256(data), Tus.sha256(Tus.download(path)));
    }
}
