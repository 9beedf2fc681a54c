package io.resumableupload.api;

import static io.restassured.RestAssured.given;
import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.resumableupload.support.Tus;

/** CORS in the default configuration: any page may upload (RELIABILITY D9), as tus-js-client and Uppy need. */
@QuarkusTest
class CorsTest {

    private static final String PAGE = "https://page.example.net";

    /** Browsers never send Tus-Resumable on a preflight; it must still be answered. */
    @ParameterizedTest
    @ValueSource(strings = { "POST", "HEAD", "PATCH", "DELETE", "GET" })
    void a_preflight_for_every_verb_is_answered_without_tus_resumable(String method) {
        String path = method.equals("POST") ? "/files" : "/files/0123456789abcdef0123456789abcdef";
        ValidatableResponse response = given().header("Origin", PAGE).header("Access-Control-Request-Method", method)
                .header("Access-Control-Request-Headers", "tus-resumable,upload-offset,content-type,authorization")
                .options(path).then().statusCode(200)
                .header("Access-Control-Allow-Origin", "*")
                .header("Access-Control-Allow-Methods", containsString(method))
                .header("Access-Control-Max-Age", "86400")
                .header("Access-Control-Allow-Credentials", nullValue())
                .header("Tus-Version", nullValue());
        for (String header : CorsFilter.ALLOWED_HEADERS) {
            response.header("Access-Control-Allow-Headers", containsString(header));
        }
        for (String header : List.of("Tus-Resumable", "Upload-Length", "Upload-Offset", "Upload-Metadata",
                "Upload-Defer-Length", "Upload-Concat", "Upload-Checksum", "X-HTTP-Method-Override", "Content-Type",
                "Authorization", "X-Requested-With")) {
            response.header("Access-Control-Allow-Headers", containsString(header));
        }
    }

    @Test
    void a_cross_origin_upload_exposes_every_tus_response_header() {
        ValidatableResponse created = tus().header("Origin", PAGE).header("Upload-Length", 3).post("/files").then()
                .statusCode(201).header("Access-Control-Allow-Origin", "*");
        for (String header : List.of("Location", "Upload-Offset", "Upload-Length", "Upload-Metadata",
                "Upload-Defer-Length", "Upload-Expires", "Upload-Concat", "Tus-Version", "Tus-Resumable", "Tus-Max-Size",
                "Tus-Extension", "Tus-Checksum-Algorithm", "Content-Disposition")) {
            created.header("Access-Control-Expose-Headers", containsString(header));
        }
        String path = Tus.pathOf(created.extract().header("Location"));
        Tus.patch(path, 0, Tus.ascii("abc")).then().statusCode(204);
        tus().header("Origin", PAGE).head(path).then().statusCode(200).header("Access-Control-Allow-Origin", "*")
                .header("Access-Control-Expose-Headers", containsString("Upload-Offset"));
    }

    /** A page must be able to read why a request failed, not only that it did. */
    @Test
    void errors_carry_cors_headers_too() {
        given().header("Origin", PAGE).header("Upload-Length", 3).post("/files").then().statusCode(412)
                .header("Access-Control-Allow-Origin", "*");
        tus().header("Origin", PAGE).head("/files/0123456789abcdef0123456789abcdef").then().statusCode(404)
                .header("Access-Control-Allow-Origin", "*");
    }

    @Test
    void a_request_without_origin_gets_no_cors_headers() {
        given().options("/files").then().statusCode(200).header("Access-Control-Allow-Origin", nullValue())
                .header("Tus-Version", equalTo("1.0.0"));
    }

    /** Discovery from a page: the real OPTIONS (after its preflight) still answers with the TUS headers. */
    @Test
    void cross_origin_discovery_reaches_the_tus_resource() {
        given().header("Origin", PAGE).options("/files").then().statusCode(200).header("Tus-Version", "1.0.0")
                .header("Access-Control-Allow-Origin", "*")
                .header("Access-Control-Expose-Headers", containsString("Tus-Extension"));
    }

    /** With tus.auth.mode=none (the default) no token is looked at, so a client that sends one anyway is served. */
    @Test
    void a_stray_bearer_token_is_ignored_without_authentication() {
        tus().header("Authorization", "Bearer not-a-token").header("Upload-Length", 1).post("/files").then()
                .statusCode(201).header("WWW-Authenticate", emptyOrNullString());
    }
}
