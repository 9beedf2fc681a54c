package io.resumableupload.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.support.FinishedEvents;
import io.resumableupload.support.Metrics;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/**
 * A request answered with an error changes nothing: a chunked body that runs past the upload's length is refused
 * with 413, stores nothing beyond the previous offset, does not finish the upload and is not counted.
 */
@QuarkusTest
class RefusedRequestTest {

    private static final String FINISHED = "tus_uploads_finished_total";
    private static final String CREATED = "tus_uploads_created_total";
    private static final String BYTES = "tus_bytes_received_bytes_total";

    @TestHTTPResource("/")
    URL root;

    @Inject
    FinishedEvents finishedEvents;

    @Inject
    UploadRepository repository;

    @Test
    void a_chunked_patch_longer_than_the_upload_is_413_and_stores_nothing() throws Exception {
        byte[] data = Tus.randomBytes(20, 1);
        String path = Tus.create(10);
        double finished = Metrics.scrape().value(FINISHED);
        double bytes = Metrics.scrape().value(BYTES);
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0, "Transfer-Encoding: chunked\r\n").chunk(data).lastChunk();
            assertEquals(413, http.readResponse(Duration.ofSeconds(10)).status());
        }
        Tus.head(path).then().statusCode(200).header("Upload-Offset", "0");
        io.restassured.RestAssured.given().get(path).then().statusCode(409);
        assertEquals(0, finishedEvents.count(Tus.idOf(path)));
        assertEquals(finished, Metrics.scrape().value(FINISHED));
        assertEquals(bytes, Metrics.scrape().value(BYTES));

        // Still resumable from where it was.
        Tus.patch(path, 0, java.util.Arrays.copyOf(data, 10)).then().statusCode(204);
        assertEquals(1, finishedEvents.count(Tus.idOf(path)));
        assertEquals(finished + 1, Metrics.scrape().value(FINISHED));
    }

    @Test
    void a_chunked_patch_longer_than_what_remains_keeps_the_previous_offset() throws Exception {
        String path = Tus.create(10);
        Tus.patch(path, 0, new byte[4]).then().statusCode(204);
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 4, "Transfer-Encoding: chunked\r\n").chunk(new byte[3]).chunk(new byte[4]).lastChunk();
            assertEquals(413, http.readResponse(Duration.ofSeconds(10)).status());
        }
        Tus.head(path).then().statusCode(200).header("Upload-Offset", "4");
        assertEquals(0, finishedEvents.count(Tus.idOf(path)));
    }

    @Test
    void a_creation_with_a_chunked_body_longer_than_the_upload_is_413_and_counts_nothing() throws Exception {
        long rows = repository.count();
        double created = Metrics.scrape().value(CREATED);
        double finished = Metrics.scrape().value(FINISHED);
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.send("POST /files HTTP/1.1\r\nHost: localhost\r\nTus-Resumable: 1.0.0\r\nUpload-Length: 10\r\n"
                    + "Content-Type: application/offset+octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .chunk(new byte[20]).lastChunk();
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(10));
            assertEquals(413, response.status());
            assertEquals(null, response.header("Location"));
        }
        assertEquals(rows, repository.count());
        assertEquals(created, Metrics.scrape().value(CREATED));
        assertEquals(finished, Metrics.scrape().value(FINISHED));
    }
}
