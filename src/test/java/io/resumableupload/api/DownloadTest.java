package io.resumableupload.api;

import static io.restassured.RestAssured.given;
import static io.resumableupload.support.Tus.tus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.support.Tus;

/** GET downloads: RELIABILITY D7 and D12. */
@QuarkusTest
class DownloadTest {

    @TestHTTPResource("/")
    URL root;

    @Test
    void serves_a_finished_upload_with_length_and_nosniff() {
        byte[] data = Tus.randomBytes(70_000, 1);
        String path = Tus.upload(data);
        byte[] body = given().get(path).then().statusCode(200).header("Content-Length", "70000")
                .header("Accept-Ranges", "bytes").header("X-Content-Type-Options", "nosniff")
                .header("Content-Type", "application/octet-stream").header("Content-Disposition", "attachment")
                .header("Content-Security-Policy", "sandbox").extract().asByteArray();
        assertArrayEquals(data, body);
    }

    @Test
    void serves_ranges() {
        byte[] data = Tus.randomBytes(1000, 2);
        String path = Tus.upload(data);
        byte[] body = given().header("Range", "bytes=100-199").get(path).then().statusCode(206)
                .header("Content-Range", "bytes 100-199/1000").header("Content-Length", "100").extract().asByteArray();
        assertArrayEquals(Arrays.copyOfRange(data, 100, 200), body);
        body = given().header("Range", "bytes=-10").get(path).then().statusCode(206).extract().asByteArray();
        assertArrayEquals(Arrays.copyOfRange(data, 990, 1000), body);
        given().header("Range", "bytes=1000-").get(path).then().statusCode(416).header("Content-Range", "bytes */1000");
    }

    /** An unfinished upload is never served (RELIABILITY D12). */
    @Test
    void an_unfinished_upload_is_409() {
        String path = Tus.create(100);
        Tus.patch(path, 0, new byte[10]).then().statusCode(204);
        given().get(path).then().statusCode(409);
    }

    @Test
    void unknown_is_404() {
        given().get("/files/AAAAAAAAAAAAAAAAAAAAAA").then().statusCode(404);
    }

    /** RELIABILITY D7: only allowlisted types are inline; malformed types become octet-stream; names are safe. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = { "text/html|text/html|attachment", "image/svg+xml|image/svg+xml|attachment",
            "application/pdf|application/pdf|attachment", "text/html; charset=x|text/html; charset=x|attachment",
            "garbage|application/octet-stream|attachment", "image/png|image/png|inline", "text/plain|text/plain|inline" })
    void content_type_and_disposition_follow_the_allowlist(String filetype, String contentType, String disposition)
            throws Exception {
        String path = uploadWithMetadata("filetype " + b64(filetype) + ",filename " + b64("a\"b\r\n.html"));
        // java.net.http rather than RestAssured, which refuses to read a body in an unknown charset ("charset=x").
        HttpResponse<byte[]> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(root.toURI().resolve(path)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals(contentType, response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(disposition + "; filename=\"a_b__.html\"; filename*=UTF-8''a%22b%0D%0A.html",
                response.headers().firstValue("Content-Disposition").orElseThrow());
        assertEquals("nosniff", response.headers().firstValue("X-Content-Type-Options").orElseThrow());
        // Issue 8: a stored HTML or SVG must never run as this origin, even if a browser renders it after all.
        assertEquals(disposition.equals("attachment") ? "sandbox" : null,
                response.headers().firstValue("Content-Security-Policy").orElse(null));
    }

    /**
     * Downloads never wait for the upload lock: a stalled PATCH on another upload does not matter, and a finished upload has
     * none.
     */
    @Test
    void parallel_downloads_do_not_block_each_other() throws Exception {
        byte[] data = Tus.randomBytes(2 * 1024 * 1024, 3);
        String path = Tus.upload(data);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(10);
        try {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<byte[]>>();
            for (int i = 0; i < 10; i++) {
                futures.add(pool.submit(() -> given().get(path).then().statusCode(200).extract().asByteArray()));
            }
            for (var f : futures) {
                assertArrayEquals(data, f.get(30, java.util.concurrent.TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String uploadWithMetadata(String metadata) {
        String path = Tus.pathOf(tus().header("Upload-Length", 3).header("Upload-Metadata", metadata).post("/files")
                .then().statusCode(201).extract().header("Location"));
        Tus.patch(path, 0, new byte[] { 1, 2, 3 }).then().statusCode(204);
        return path;
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
