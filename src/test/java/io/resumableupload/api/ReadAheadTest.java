package io.resumableupload.api;

import static io.resumableupload.support.Tus.tus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.Arrays;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/**
 * Small bodies are read while their request waits for a worker ({@code tus.patch.read-ahead-max-size}, 256K): an
 * append whose whole body is in by then is written and committed in one step on that worker, which the
 * {@code tus.appends.read.ahead} counter counts. Larger bodies, and clients that wait for {@code 100 Continue}, are
 * read only once the append holds the upload's lock.
 */
@QuarkusTest
class ReadAheadTest {

    @TestHTTPResource("/")
    URL root;

    @Inject
    MeterRegistry registry;

    /**
     * Whether a body is all in when the worker gets to it is a race the body usually wins on loopback (it came in the
     * same segments as the headers, the worker first waits for the upload's lock): one win in eight proves the path.
     */
    @Test
    void small_patches_and_creations_with_upload_are_committed_in_one_step() {
        double before = readAhead();
        for (int i = 0; i < 8; i++) {
            byte[] data = Tus.randomBytes(64 * 1024, 300 + i);
            String path = Tus.create(data.length);
            Tus.patch(path, 0, data).then().statusCode(204);
            assertArrayEquals(data, Tus.download(path));
        }
        double patches = readAhead() - before;
        assertTrue(patches >= 1, "no PATCH of 64 KiB was read ahead in 8");
        for (int i = 0; i < 8; i++) {
            byte[] data = Tus.randomBytes(1000, 400 + i);
            String location = tus().header("Upload-Length", data.length).contentType(Tus.OFFSET_STREAM).body(data)
                    .post("/files").then().statusCode(201).header("Upload-Offset", "1000").extract().header("Location");
            assertArrayEquals(data, Tus.download(Tus.pathOf(location)));
        }
        assertTrue(readAhead() - before - patches >= 1, "no creation-with-upload was read ahead in 8");
    }

    /** Larger than the read-ahead size: streamed under the lock as before, and stored whole. */
    @Test
    void a_larger_body_is_not_read_ahead() {
        byte[] data = Tus.randomBytes(300 * 1024, 500);
        String path = Tus.create(data.length);
        double before = readAhead();
        Tus.patch(path, 0, data).then().statusCode(204);
        assertEquals(before, readAhead());
        assertArrayEquals(data, Tus.download(path));
    }

    /**
     * A request with {@code Expect: 100-continue} is not read ahead (a refused one must not ask for its body), even
     * when the client sends the body right away without waiting for the 100 (as curl does after a second).
     */
    @Test
    void a_request_expecting_100_continue_is_not_read_ahead() throws Exception {
        byte[] data = Tus.randomBytes(1000, 600);
        String path = Tus.create(data.length);
        double before = readAhead();
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0, "Content-Length: " + data.length + "\r\nExpect: 100-continue\r\n");
            http.send(data);
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(5));
            assertEquals(204, response.status());
        }
        assertEquals(before, readAhead());
        assertArrayEquals(data, Tus.download(path));
    }

    /**
     * A small body that stops halfway (the client closes) is not complete when the worker looks, so it takes the
     * streaming path, which stores the bytes that came.
     */
    @Test
    void a_small_body_cut_halfway_keeps_what_arrived() throws Exception {
        byte[] data = Tus.randomBytes(1000, 700);
        String path = Tus.create(data.length);
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0, "Content-Length: " + data.length + "\r\n");
            http.send(Arrays.copyOf(data, 400));
            Thread.sleep(300);
            http.shutdownOutput();
            http.readResponse(Duration.ofSeconds(10));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Tus.offset(path) != 400 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(400, Tus.offset(path));
    }

    private double readAhead() {
        return registry.counter("tus.appends.read.ahead").count();
    }
}
