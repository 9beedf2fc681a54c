package io.resumableupload.api;

import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.support.Tus;

/** RELIABILITY A12 and D10. */
@QuarkusTest
class HeadTest {

    /** Spec: HEAD MUST include Upload-Offset, Upload-Length if known, and Cache-Control: no-store. */
    @Test
    void head_reports_offset_length_and_no_store() {
        String path = Tus.create(100);
        Tus.patch(path, 0, new byte[40]).then().statusCode(204);
        Tus.head(path).then().statusCode(200).header("Upload-Offset", "40").header("Upload-Length", "100")
                .header("Cache-Control", "no-store").header("Tus-Resumable", "1.0.0");
    }

    /** Spec: HEAD on an unknown upload answers 404 (or 410) without Upload-Offset. */
    @ParameterizedTest
    @ValueSource(strings = { "/files/AAAAAAAAAAAAAAAAAAAAAA", "/files/not-an-id", "/files/x" })
    void unknown_upload_is_404_without_offset(String path) {
        Tus.head(path).then().statusCode(404).header("Upload-Offset", nullValue());
    }

    /** Spec: HEAD MUST echo Upload-Metadata "as specified by the client during the creation". RELIABILITY D10. */
    @Test
    void metadata_is_echoed_byte_exact() {
        String crlf = Base64.getEncoder().encodeToString("evil\r\nSet-Cookie: a=b".getBytes());
        String raw = "filename d29ybGQucGRm, is_confidential,x " + crlf;
        String location = tus().header("Upload-Length", 5).header("Upload-Metadata", raw).post("/files").then()
                .statusCode(201).extract().header("Location");
        Tus.head(Tus.pathOf(location)).then().statusCode(200).header("Upload-Metadata", equalTo(raw))
                .header("Set-Cookie", nullValue());
    }

    @Test
    void no_metadata_means_no_metadata_header() {
        Tus.head(Tus.create(1)).then().header("Upload-Metadata", nullValue());
    }

    @Test
    void deferred_length_is_reported_until_known() {
        String path = Tus.createDeferred();
        Tus.head(path).then().statusCode(200).header("Upload-Defer-Length", "1").header("Upload-Length", nullValue())
                .header("Upload-Offset", "0");
    }

    @Test
    void head_without_tus_resumable_is_412() {
        io.restassured.RestAssured.given().head(Tus.create(1)).then().statusCode(412).header("Tus-Version", "1.0.0");
    }
}
