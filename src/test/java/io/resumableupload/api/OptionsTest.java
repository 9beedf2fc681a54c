package io.resumableupload.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** RELIABILITY A2: discovery. */
@QuarkusTest
class OptionsTest {

    /**
     * Spec: "Tus-Version ... MUST be on OPTIONS 2xx"; "the server MUST ignore" Tus-Resumable on OPTIONS. 200 as tusd
     * and the tus-compliance-tests suite (issue 7 item 17); the spec allows 200 or 204.
     */
    @Test
    void options_advertises_version_extensions_max_size_and_checksums() {
        given().options("/files").then().statusCode(200)
                .header("Tus-Version", "1.0.0")
                .header("Tus-Extension", "creation,creation-with-upload,creation-defer-length,termination,checksum,"
                        + "expiration,concatenation,concatenation-unfinished")
                .header("Tus-Max-Size", String.valueOf(64L * 1024 * 1024))
                .header("Tus-Checksum-Algorithm", "sha1,sha256,sha512,md5")
                .header("Tus-Resumable", "1.0.0");
    }

    @Test
    void options_ignores_an_unsupported_tus_resumable() {
        given().header("Tus-Resumable", "0.2.0").options("/files").then().statusCode(200)
                .header("Tus-Version", equalTo("1.0.0"));
    }

    @Test
    void options_on_an_upload_url_answers_the_same() {
        given().options("/files/anything").then().statusCode(200).header("Tus-Version", "1.0.0")
                .header("Upload-Offset", nullValue());
    }
}
