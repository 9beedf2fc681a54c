package io.resumableupload.fault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.support.Poll;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/**
 * A PATCH that ends early keeps the bytes that arrived, and the upload resumes from them: RELIABILITY B1-B3 and
 * the release of a stalled PATCH by a newer request (B4 on one replica).
 */
@QuarkusTest
class InterruptedPatchTest {

    private static final int SIZE = 200_000;

    @TestHTTPResource("/")
    URL root;

    /** B1: the client half-closes after N bytes. HEAD offset == N; the resume completes with the right sha256. */
    @Test
    void fin_mid_body_keeps_the_bytes_received() throws Exception {
        byte[] data = Tus.randomBytes(SIZE, 1);
        String path = Tus.create(SIZE);
        int sent = 70_000;
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0, "Content-Length: " + SIZE + "\r\n").send(Arrays.copyOf(data, sent));
            Poll.untilStored(stored(path), sent);
            http.shutdownOutput();
            http.readResponse(Duration.ofSeconds(5));
        }
        assertEquals(sent, Tus.offset(path));
        resumeAndVerify(path, data);
    }

    /** B2: the client resets the connection (RST) after N bytes. The bytes the server had read are kept. */
    @Test
    void reset_mid_body_keeps_the_bytes_received() throws Exception {
        byte[] data = Tus.randomBytes(SIZE, 2);
        String path = Tus.create(SIZE);
        int sent = 90_000;
        RawHttp http = RawHttp.connect(root.getPort());
        http.patchHead(path, 0, "Content-Length: " + SIZE + "\r\n").send(Arrays.copyOf(data, sent));
        Poll.untilStored(stored(path), sent);
        http.reset();
        long offset = Tus.offset(path);
        // An RST may drop bytes still in the server's socket buffer; whatever was kept is a correct prefix.
        assertTrue(offset > 0 && offset <= sent, "offset " + offset);
        assertArrayEquals(Arrays.copyOf(data, (int) offset), storedPrefix(path, offset));
        resumeAndVerify(path, data);
    }

    /**
     * B3: the client goes silent past the idle timeout (2 s in tests). The server stores what arrived, answers
     * 500 ERR_READ_TIMEOUT, releases the lock, and a HEAD right after is answered at once.
     */
    @Test
    void silent_client_times_out_and_keeps_the_bytes() throws Exception {
        byte[] data = Tus.randomBytes(SIZE, 3);
        String path = Tus.create(SIZE);
        int sent = 50_000;
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            long start = System.nanoTime();
            http.patchHead(path, 0, "Content-Length: " + SIZE + "\r\n").send(Arrays.copyOf(data, sent));
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(10));
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertNotNull(response);
            assertEquals(500, response.status());
            assertTrue(elapsedMs >= 1_900 && elapsedMs < 6_000, "timed out after " + elapsedMs + " ms");
        }
        long start = System.nanoTime();
        assertEquals(sent, Tus.offset(path));
        assertTrue((System.nanoTime() - start) / 1_000_000 < 1_000, "HEAD waited for a lock");
        resumeAndVerify(path, data);
    }

    /**
     * B4 on one replica: a PATCH stalls (a half-open connection). A HEAD from a new connection makes it store what
     * it received and let go: the HEAD is answered well within the idle timeout, with the saved offset, and the
     * stalled request ends with 400 ERR_UPLOAD_INTERRUPTED.
     */
    @Test
    void a_newer_request_releases_a_stalled_patch_within_a_second() throws Exception {
        byte[] data = Tus.randomBytes(SIZE, 4);
        String path = Tus.create(SIZE);
        int sent = 80_000;
        try (RawHttp stalled = RawHttp.connect(root.getPort())) {
            stalled.patchHead(path, 0, "Content-Length: " + SIZE + "\r\n").send(Arrays.copyOf(data, sent));
            Poll.untilStored(stored(path), sent);
            long start = System.nanoTime();
            long offset = Tus.offset(path);
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals(sent, offset);
            assertTrue(elapsedMs < 1_000, "HEAD took " + elapsedMs + " ms");
            stalled.readClosingResponse(400);
        }
        resumeAndVerify(path, data);
    }

    /** A PATCH that resumes an upload whose previous PATCH is stalled takes over directly (no HEAD first). */
    @Test
    void a_resume_patch_releases_a_stalled_patch() throws Exception {
        byte[] data = Tus.randomBytes(SIZE, 5);
        String path = Tus.create(SIZE);
        try (RawHttp stalled = RawHttp.connect(root.getPort())) {
            stalled.patchHead(path, 0, "Content-Length: " + SIZE + "\r\n").send(Arrays.copyOf(data, 30_000));
            Poll.untilStored(stored(path), 30_000);
            // The client does not know how much arrived; it guesses 0 and gets 409 with the lock released.
            Tus.patch(path, 0, data).then().statusCode(409);
        }
        resumeAndVerify(path, data);
    }

    private void resumeAndVerify(String path, byte[] data) {
        long offset = Tus.offset(path);
        Tus.patch(path, offset, Arrays.copyOfRange(data, (int) offset, data.length)).then().statusCode(204)
                .header("Upload-Offset", String.valueOf(data.length));
        assertEquals(Tus.sha256(data), Tus.sha256(Tus.download(path)));
    }

    private static byte[] storedPrefix(String path, long length) throws Exception {
        return Arrays.copyOf(java.nio.file.Files.readAllBytes(stored(path)), (int) length);
    }

    /** The upload's file in the test storage directory. */
    private static java.nio.file.Path stored(String path) {
        return java.nio.file.Path.of("target/test-uploads", Tus.idOf(path));
    }
}
