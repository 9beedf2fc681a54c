package io.resumableupload.api;

import static io.restassured.RestAssured.given;
import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import java.net.URL;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** tus.cors.allowed-origins as production sets it: other origins are refused (RELIABILITY D9). */
@QuarkusTest
@TestProfile(RestrictedCorsTest.Origins.class)
class RestrictedCorsTest {

    public static class Origins implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tus.cors.allowed-origins", "https://app.example.com,https://*.example.org",
                    "tus.cors.allow-credentials", "true", "tus.cors.max-age", "10m");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Test
    void a_preflight_from_another_origin_is_403_without_cors_headers() {
        given().header("Origin", "https://evil.example.net").header("Access-Control-Request-Method", "POST")
                .options("/files").then().statusCode(403).header("Access-Control-Allow-Origin", nullValue())
                .body(startsWith("ERR_ORIGIN_NOT_ALLOWED"));
    }

    @Test
    void a_request_from_another_origin_is_403_and_creates_nothing() {
        tus().header("Origin", "https://evil.example.net").header("Upload-Length", 1).post("/files").then()
                .statusCode(403).header("Location", nullValue());
    }

    /** Never "*" together with credentials: the origin is echoed, and caches told it varies. */
    @Test
    void an_allowed_origin_is_echoed_with_credentials() {
        given().header("Origin", "https://app.example.com").header("Access-Control-Request-Method", "PATCH")
                .options("/files/abc").then().statusCode(200)
                .header("Access-Control-Allow-Origin", "https://app.example.com")
                .header("Access-Control-Allow-Credentials", "true").header("Vary", containsString("Origin"))
                .header("Access-Control-Max-Age", "600");
        tus().header("Origin", "https://app.example.com").header("Upload-Length", 1).post("/files").then()
                .statusCode(201).header("Access-Control-Allow-Origin", "https://app.example.com")
                .header("Access-Control-Expose-Headers", containsString("Location"));
    }

    @Test
    void a_pattern_allows_subdomains_only() {
        given().header("Origin", "https://uploads.example.org").header("Access-Control-Request-Method", "POST")
                .options("/files").then().statusCode(200)
                .header("Access-Control-Allow-Origin", "https://uploads.example.org");
        given().header("Origin", "https://example.org.evil.net").header("Access-Control-Request-Method", "POST")
                .options("/files").then().statusCode(403);
    }

    /** The upload page served by the server itself sends Origin on its POSTs; its own origin is always allowed. */
    @Test
    void the_servers_own_origin_is_allowed() {
        String self = "http://localhost:" + root.getPort();
        tus().header("Origin", self).header("Upload-Length", 1).post("/files").then().statusCode(201)
                .header("Access-Control-Allow-Origin", self);
    }
}
