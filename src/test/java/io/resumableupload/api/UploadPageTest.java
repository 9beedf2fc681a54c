package io.resumableupload.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** The upload page is on by default; what the browser does with it is tested in e2e/browser.mjs. */
@QuarkusTest
class UploadPageTest {

    @Test
    void the_page_its_bundle_and_its_config_are_served() {
        given().get("/").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("ui/upload-page.js"));
        given().get("/ui/upload-page.js").then().statusCode(200);
        given().get("/ui/upload-page.css").then().statusCode(200);
        given().get("/ui/THIRD-PARTY-LICENSES.txt").then().statusCode(200).body(containsString("@uppy/core"))
                .body(containsString("tus-js-client"));
        given().get("/ui/config.json").then().statusCode(200).body("endpoint", equalTo("/files/"))
                .body("auth", equalTo("none")).body("maxSize", equalTo(64 * 1024 * 1024));
    }

    /** Vert.x normalizes /files/.. to /: a malformed upload URL must not be answered with the page. */
    @Test
    void the_page_is_not_reached_through_dot_segments() {
        for (String path : new String[] { "/files/..", "/files/../index.html", "/files/%2E%2E/ui/upload-page.js" }) {
            given().urlEncodingEnabled(false).get(path).then().statusCode(404);
        }
    }
}
