package io.resumableupload.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.support.Metrics;
import io.resumableupload.support.RawHttp;

/**
 * The Location of a new upload, without {@code tus.location.base-url}: built from the request's Host (and from
 * X-Forwarded-* only when {@code quarkus.http.proxy.*} says to trust them, off by default). Issue 7 item 12: a request
 * with no usable Host (HTTP/1.0 without one, or an empty one) got {@code Location: http://null/files/...}.
 */
@QuarkusTest
class LocationTest {

    private static final String CREATED = "tus_uploads_created_total";

    @TestHTTPResource("/")
    URL root;

    @Inject
    UploadRepository repository;

    @Test
    void location_is_built_from_the_host_header_and_ignores_forwarded_headers() throws Exception {
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.send("POST /files HTTP/1.1\r\nHost: uploads.test:8443\r\nX-Forwarded-Host: evil.test\r\n"
                    + "X-Forwarded-Proto: https\r\nForwarded: host=evil.test;proto=https\r\nTus-Resumable: 1.0.0\r\n"
                    + "Upload-Length: 1\r\n\r\n");
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(10));
            assertEquals(201, response.status(), response.head());
            String location = response.header("Location");
            assertTrue(location.matches("http://uploads\\.test:8443/files/[A-Za-z0-9_-]+"), location);
        }
    }

    /**
     * No Host, an empty one or one that is no host name: 400 ERR_INVALID_HOST, nothing created. (HTTP/1.1 requests
     * with a missing or invalid Host are refused by Vert.x before routing; they get the same answer.)
     */
    @ParameterizedTest
    @ValueSource(strings = { "HTTP/1.0\r\n", "HTTP/1.0\r\nHost:\r\n", "HTTP/1.0\r\nHost: a b\r\n",
            "HTTP/1.0\r\nHost: evil.test/x?\r\n", "HTTP/1.1\r\nHost: \r\n", "HTTP/1.1\r\n",
            "HTTP/1.1\r\nHost: a b\r\n", "HTTP/1.1\r\nHost: evil.test/x?\r\n" })
    void creation_without_a_usable_host_is_400_and_creates_nothing(String versionAndHost) throws Exception {
        long rows = repository.count();
        Metrics before = Metrics.scrape();
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.send("POST /files " + versionAndHost + "Tus-Resumable: 1.0.0\r\nUpload-Length: 5\r\n"
                    + "Content-Type: application/offset+octet-stream\r\nContent-Length: 5\r\n\r\nhello");
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(10));
            assertEquals(400, response.status(), response.head());
            assertNull(response.header("Location"));
            String body = http.readBody(response);
            assertTrue(body.startsWith("ERR_INVALID_HOST: "), body);
        }
        assertEquals(rows, repository.count());
        assertEquals(0, Metrics.scrape().since(before, CREATED));
    }

    /** Only creation builds a URL; the other verbs need no Host. */
    @Test
    void options_without_a_host_is_answered() throws Exception {
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.send("OPTIONS /files HTTP/1.0\r\n\r\n");
            assertEquals(200, http.readResponse(Duration.ofSeconds(10)).status());
        }
    }
}
