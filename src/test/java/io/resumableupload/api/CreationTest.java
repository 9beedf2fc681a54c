package io.resumableupload.api;

import static io.restassured.RestAssured.given;
import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.support.Metrics;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/** Creation, creation-with-upload and the bad-input cases of RELIABILITY A1, A3-A6, B12, D11. */
@QuarkusTest
class CreationTest {

    @io.quarkus.test.common.http.TestHTTPResource("/")
    java.net.URL root;

    private static final long MAX = 64L * 1024 * 1024;

    @Inject
    UploadRepository repository;

    @Test
    void post_creates_an_upload_and_answers_201_with_location_and_expiry() {
        tus().header("Upload-Length", 100).post("/files").then().statusCode(201)
                .header("Location", matchesPattern("http://localhost:\\d+/files/[A-Za-z0-9_-]{22}"))
                .header("Upload-Expires", matchesPattern("\\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"))
                .header("Tus-Resumable", "1.0.0");
    }

    @Test
    void a_trailing_slash_on_the_collection_is_accepted() {
        tus().header("Upload-Length", 1).post("/files/").then().statusCode(201);
    }

    /** Spec: a server MUST answer 412 to an unsupported version, MUST include Tus-Version and MUST NOT process. */
    @ParameterizedTest
    @ValueSource(strings = { "", "0.2.0", "1.0", "1.0.1", "2.0.0" })
    void unsupported_tus_resumable_gets_412_with_tus_version_and_creates_nothing(String version) {
        long before = repository.count();
        var request = version.isEmpty() ? given() : given().header("Tus-Resumable", version);
        request.header("Upload-Length", 10).post("/files").then().statusCode(412).header("Tus-Version", "1.0.0")
                .header("Location", nullValue()).body(startsWith("ERR_UNSUPPORTED_VERSION"));
        assertEquals(before, repository.count());
    }

    @Test
    void neither_length_nor_deferred_length_is_400() {
        tus().post("/files").then().statusCode(400).body(startsWith("ERR_INVALID_UPLOAD_LENGTH"));
    }

    @Test
    void both_length_and_deferred_length_is_400() {
        tus().header("Upload-Length", 10).header("Upload-Defer-Length", "1").post("/files").then().statusCode(400)
                .body(startsWith("ERR_AMBIGUOUS_UPLOAD_LENGTH"));
    }

    /** RELIABILITY A4. */
    @ParameterizedTest
    @ValueSource(strings = { "-1", "abc", "1e3", "+5", "1.5", "9223372036854775808", "0x10" })
    void invalid_upload_length_is_400_and_creates_nothing(String length) {
        long before = repository.count();
        tus().header("Upload-Length", length).post("/files").then().statusCode(400)
                .body(startsWith("ERR_INVALID_UPLOAD_LENGTH"));
        assertEquals(before, repository.count());
    }

    /** Spec: Upload-Defer-Length "MUST be 1". */
    @ParameterizedTest
    @ValueSource(strings = { "2", "0", "true", "" })
    void deferred_length_other_than_1_is_400(String value) {
        tus().header("Upload-Defer-Length", value).post("/files").then().statusCode(400);
    }

    /** RELIABILITY A5 and D11: Tus-Max-Size holds at creation, whatever else the request says. */
    @Test
    void length_over_max_size_is_413_and_creates_nothing() {
        long before = repository.count();
        tus().header("Upload-Length", MAX + 1).post("/files").then().statusCode(413)
                .body(startsWith("ERR_MAX_SIZE_EXCEEDED"));
        tus().header("Upload-Length", MAX + 1).header("Upload-Draft-Interop-Version", "6")
                .header("Upload-Complete", "?1").post("/files").then().statusCode(413);
        assertEquals(before, repository.count());
    }

    @Test
    void length_equal_to_max_size_is_accepted() {
        tus().header("Upload-Length", MAX).post("/files").then().statusCode(201);
    }

    /** RELIABILITY A6: never 500, nothing created. */
    @ParameterizedTest
    @ValueSource(strings = { "filename not-base64!", "a YQ==,a Yg==", ",a YQ==", "a YQ== Yg==", "filename YQ" })
    void invalid_metadata_is_400_and_creates_nothing(String metadata) {
        long before = repository.count();
        tus().header("Upload-Length", 1).header("Upload-Metadata", metadata).post("/files").then().statusCode(400)
                .body(startsWith("ERR_INVALID_METADATA"));
        assertEquals(before, repository.count());
    }

    @Test
    void metadata_over_the_limit_is_400() {
        tus().header("Upload-Length", 1).header("Upload-Metadata", "k " + "QUFB".repeat(1100)).post("/files").then()
                .statusCode(400).body(startsWith("ERR_INVALID_METADATA"));
    }

    /**
     * A 1 MiB header is refused by the transport (431) without a 500. The server answers as soon as the limit is
     * passed and closes, so the header is written from another thread while this one reads the answer.
     */
    @Test
    void a_one_mebibyte_header_is_refused_by_the_transport_without_a_500() throws Exception {
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            Thread writer = new Thread(() -> {
                try {
                    http.send("POST /files HTTP/1.1\r\nHost: localhost\r\nTus-Resumable: 1.0.0\r\nUpload-Length: 1\r\n"
                            + "Upload-Metadata: k " + "QUFB".repeat(262_144) + "\r\n\r\n");
                } catch (java.io.IOException expected) {
                    // the server closed the connection after answering
                }
            });
            writer.start();
            RawHttp.Response response = http.readResponse(java.time.Duration.ofSeconds(10));
            writer.join(10_000);
            assertEquals(431, response.status());
        }
        tus().header("Upload-Length", 1).post("/files").then().statusCode(201);
    }

    /** RELIABILITY B12: a zero-byte upload is complete at creation and downloads as empty. */
    @Test
    void zero_length_upload_is_complete_at_creation() {
        String path = Tus.create(0);
        Tus.head(path).then().statusCode(200).header("Upload-Offset", "0").header("Upload-Length", "0");
        assertArrayEquals(new byte[0], Tus.download(path));
    }

    // ---- creation-with-upload ----

    /** Spec: with creation-with-upload the response MUST carry Upload-Offset. */
    @Test
    void creation_with_upload_stores_the_first_chunk() {
        byte[] data = Tus.randomBytes(10_000, 1);
        String location = tus().header("Upload-Length", 20_000).contentType(Tus.OFFSET_STREAM).body(data).post("/files")
                .then().statusCode(201).header("Upload-Offset", "10000").extract().header("Location");
        String path = Tus.pathOf(location);
        assertEquals(10_000, Tus.offset(path));
        byte[] rest = Tus.randomBytes(10_000, 2);
        Tus.patch(path, 10_000, rest).then().statusCode(204).header("Upload-Offset", "20000");
    }

    @Test
    void creation_with_upload_of_the_whole_file_finishes_it() {
        byte[] data = Tus.randomBytes(5_000, 3);
        String location = tus().header("Upload-Length", 5_000).contentType(Tus.OFFSET_STREAM).body(data).post("/files")
                .then().statusCode(201).header("Upload-Offset", "5000").extract().header("Location");
        assertArrayEquals(data, Tus.download(Tus.pathOf(location)));
    }

    /**
     * No hook learns a new upload's id here, so nobody but the creating request can address the upload before its
     * answer: its body is stored without a lock round trip (with a post-create hook it takes the lock: HttpHooksTest).
     */
    @Test
    void creation_with_upload_of_an_upload_nobody_else_knows_takes_no_lock() {
        String locks = "tus_lock_acquire_seconds_count";
        Metrics before = Metrics.scrape();
        byte[] data = Tus.randomBytes(3_000, 4);
        String location = tus().header("Upload-Length", 6_000).contentType(Tus.OFFSET_STREAM).body(data).post("/files")
                .then().statusCode(201).header("Upload-Offset", "3000").extract().header("Location");
        assertEquals(0, Metrics.scrape().total(locks) - before.total(locks));
        Tus.patch(Tus.pathOf(location), 3_000, data).then().statusCode(204).header("Upload-Offset", "6000");
        assertEquals(1, Metrics.scrape().total(locks) - before.total(locks), "a PATCH takes the lock");
    }

    @Test
    void creation_with_an_empty_offset_stream_body_answers_offset_0() {
        tus().header("Upload-Length", 10).contentType(Tus.OFFSET_STREAM).body(new byte[0]).post("/files").then()
                .statusCode(201).header("Upload-Offset", "0");
    }

    /** The compliance suite's ext-cwu-002: a body that is not an offset stream is refused, not silently dropped. */
    @Test
    void creation_body_with_another_content_type_is_415_and_creates_nothing() {
        long before = repository.count();
        tus().header("Upload-Length", 10).contentType("text/plain").body("0123456789").post("/files").then()
                .statusCode(415);
        assertEquals(before, repository.count());
    }

    /** RELIABILITY D11: a creation-with-upload body longer than the upload is refused before anything is created. */
    @Test
    void creation_body_longer_than_the_length_is_413_and_creates_nothing() throws IOException {
        long before = repository.count();
        long files = countFiles();
        tus().header("Upload-Length", 10).contentType(Tus.OFFSET_STREAM).body(new byte[11]).post("/files").then()
                .statusCode(413);
        assertEquals(before, repository.count());
        assertEquals(files, countFiles());
    }

    @Test
    void expect_100_continue_is_honoured() {
        byte[] data = Tus.randomBytes(1000, 4);
        tus().header("Upload-Length", 1000).header("Expect", "100-continue").contentType(Tus.OFFSET_STREAM).body(data)
                .post("/files").then().statusCode(201).header("Upload-Offset", "1000").header("Location", notNullValue());
    }

    @Test
    void location_points_at_the_configured_base_path() {
        String location = tus().header("Upload-Length", 1).post("/files").then().extract().header("Location");
        given().header("Tus-Resumable", "1.0.0").head(Tus.pathOf(location)).then().statusCode(200)
                .header("Upload-Length", equalTo("1"));
    }

    /** Files in the filesystem backend's directory (none yet, or another backend: the directory may not exist). */
    private static long countFiles() throws IOException {
        Path directory = Path.of("target/test-uploads");
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.count();
        }
    }
}
