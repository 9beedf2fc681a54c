package io.resumableupload.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/**
 * RELIABILITY D11: Tus-Max-Size (64M in tests) holds on the paths that have bypassed it elsewhere: a deferred
 * length with a chunked body (tusd#1032), and a body whose Content-Length lies about the upload. The other paths
 * (creation, declared length, creation-with-upload, concatenation) are in CreationTest, DeferLengthTest and
 * ConcatenationTest.
 */
@QuarkusTest
class MaxSizeTest {

    private static final int MAX = 64 * 1024 * 1024;

    @TestHTTPResource("/")
    URL root;

    @Inject
    UploadRepository repository;

    @Test
    void a_chunked_body_on_a_deferred_upload_stops_at_max_size() throws Exception {
        String path = Tus.createDeferred();
        byte[] chunk = new byte[1024 * 1024];
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0, "Transfer-Encoding: chunked\r\n");
            RawHttp.Response response = null;
            for (int i = 0; i < 66; i++) {
                try {
                    http.chunk(chunk);
                } catch (java.io.IOException e) {
                    break;
                }
            }
            response = http.readResponse(Duration.ofSeconds(20));
            assertEquals(413, response.status());
        }
        // A refused body stores nothing more: only what checkpoints committed while it streamed stays.
        long offset = Tus.offset(path);
        assertTrue(offset <= MAX, "offset " + offset);
        assertTrue(Files.size(Path.of("target/test-uploads", Tus.idOf(path))) <= MAX);
    }

    @Test
    void a_deferred_creation_with_a_body_over_max_size_is_413_and_creates_nothing() throws Exception {
        long before = repository.count();
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.send("POST /files HTTP/1.1\r\nHost: localhost\r\nTus-Resumable: 1.0.0\r\nUpload-Defer-Length: 1\r\n"
                    + "Content-Type: application/offset+octet-stream\r\nContent-Length: " + (MAX + 1L) + "\r\n\r\n");
            assertEquals(413, http.readResponse(Duration.ofSeconds(5)).status());
        }
        assertEquals(before, repository.count());
    }

    @Test
    void a_patch_announcing_more_than_max_size_on_a_deferred_upload_is_413_before_reading() throws Exception {
        String path = Tus.createDeferred();
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0, "Content-Length: " + (MAX + 1L) + "\r\n");
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(5));
            assertEquals(413, response.status());
            assertEquals("close", response.header("Connection"));
        }
        assertEquals(0, Tus.offset(path));
    }
}
