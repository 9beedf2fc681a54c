package io.resumableupload.api;

import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/** creation-defer-length: RELIABILITY A13. */
@QuarkusTest
class DeferLengthTest {

    private static final long MAX = 64L * 1024 * 1024;

    @TestHTTPResource("/")
    URL root;

    /** Spec: "The Client MUST set the Upload-Length header in the next PATCH request once the length is known". */
    @Test
    void length_is_declared_on_a_later_patch() {
        byte[] data = Tus.randomBytes(3000, 1);
        String path = Tus.createDeferred();
        Tus.patch(path, 0, Arrays.copyOf(data, 1000)).then().statusCode(204).header("Upload-Offset", "1000");
        Tus.head(path).then().header("Upload-Defer-Length", "1");
        tus().header("Upload-Offset", 1000).header("Upload-Length", 3000).contentType(Tus.OFFSET_STREAM)
                .body(Arrays.copyOfRange(data, 1000, 3000)).patch(path).then().statusCode(204)
                .header("Upload-Offset", "3000");
        Tus.head(path).then().header("Upload-Length", "3000").header("Upload-Defer-Length", nullValue());
        assertArrayEquals(data, Tus.download(path));
    }

    @Test
    void declaring_a_different_length_again_is_400() {
        String path = Tus.createDeferred();
        declare(path, 0, 100).then().statusCode(204);
        declare(path, 0, 200).then().statusCode(400);
        declare(path, 0, 100).then().statusCode(204);
        Tus.head(path).then().header("Upload-Length", "100");
    }

    @Test
    void declaring_a_length_smaller_than_the_offset_is_400() {
        String path = Tus.createDeferred();
        Tus.patch(path, 0, new byte[50]).then().statusCode(204);
        declare(path, 50, 10).then().statusCode(400);
        Tus.head(path).then().header("Upload-Defer-Length", "1");
    }

    @Test
    void declaring_a_length_over_max_size_is_413() {
        String path = Tus.createDeferred();
        declare(path, 0, MAX + 1).then().statusCode(413);
        Tus.head(path).then().header("Upload-Defer-Length", "1");
    }

    @Test
    void declaring_the_current_offset_finishes_the_upload() {
        byte[] data = Tus.randomBytes(500, 2);
        String path = Tus.createDeferred();
        Tus.patch(path, 0, data).then().statusCode(204);
        declare(path, 500, 500).then().statusCode(204).header("Upload-Offset", "500");
        assertArrayEquals(data, Tus.download(path));
    }

    @Test
    void upload_length_on_a_patch_of_a_known_length_must_match() {
        String path = Tus.create(100);
        declare(path, 0, 99).then().statusCode(400);
        assertEquals(0, Tus.offset(path));
    }

    /** A refused request changes nothing: the length it declared is not kept, and the right retry succeeds. */
    @Test
    void a_patch_refused_with_413_does_not_declare_its_length() {
        byte[] data = Tus.randomBytes(5, 3);
        String path = Tus.createDeferred();
        tus().header("Upload-Offset", 0).header("Upload-Length", 3).contentType(Tus.OFFSET_STREAM).body(data).patch(path)
                .then().statusCode(413);
        Tus.head(path).then().statusCode(200).header("Upload-Defer-Length", "1").header("Upload-Length", nullValue())
                .header("Upload-Offset", "0");
        tus().header("Upload-Offset", 0).header("Upload-Length", 5).contentType(Tus.OFFSET_STREAM).body(data).patch(path)
                .then().statusCode(204).header("Upload-Offset", "5");
        assertArrayEquals(data, Tus.download(path));
    }

    /** The same with a chunked body, which is found too long only while it streams. */
    @Test
    void a_chunked_patch_refused_with_413_does_not_declare_its_length() throws Exception {
        byte[] data = Tus.randomBytes(5, 4);
        String path = Tus.createDeferred();
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0, "Upload-Length: 3\r\nTransfer-Encoding: chunked\r\n").chunk(data).lastChunk();
            assertEquals(413, http.readResponse(Duration.ofSeconds(10)).status());
        }
        Tus.head(path).then().statusCode(200).header("Upload-Defer-Length", "1").header("Upload-Offset", "0");
        tus().header("Upload-Offset", 0).header("Upload-Length", 5).contentType(Tus.OFFSET_STREAM).body(data).patch(path)
                .then().statusCode(204).header("Upload-Offset", "5");
        assertArrayEquals(data, Tus.download(path));
    }

    /**
     * An interrupted PATCH keeps what arrived (as tusd does), and with it the length it declared: its bytes were
     * within that length, and the client will declare the same length again. Interrupted here by a newer request.
     */
    @Test
    void an_interrupted_patch_keeps_its_bytes_and_its_declared_length() throws Exception {
        byte[] data = Tus.randomBytes(10, 5);
        String path = Tus.createDeferred();
        Path file = Path.of("target/test-uploads", Tus.idOf(path));
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0, "Upload-Length: 10\r\nContent-Length: 10\r\n").send(Arrays.copyOf(data, 4));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while ((!Files.exists(file) || Files.size(file) < 4) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Tus.head(path).then().statusCode(200).header("Upload-Length", "10").header("Upload-Offset", "4");
            assertEquals(400, http.readResponse(Duration.ofSeconds(10)).status());
        }
        tus().header("Upload-Offset", 4).header("Upload-Length", 10).contentType(Tus.OFFSET_STREAM)
                .body(Arrays.copyOfRange(data, 4, 10)).patch(path).then().statusCode(204);
        assertArrayEquals(data, Tus.download(path));
    }

    private static io.restassured.response.Response declare(String path, long offset, long length) {
        return tus().header("Upload-Offset", offset).header("Upload-Length", length).contentType(Tus.OFFSET_STREAM)
                .body(new byte[0]).patch(path);
    }
}
