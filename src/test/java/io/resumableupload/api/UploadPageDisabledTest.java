package io.resumableupload.api;

import static io.restassured.RestAssured.given;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.Tus;

/** tus.ui.enabled=false: the public port serves the upload collection and nothing else. */
@QuarkusTest
@TestProfile(UploadPageDisabledTest.Off.class)
class UploadPageDisabledTest {

    public static class Off implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tus.ui.enabled", "false");
        }
    }

    @Test
    void the_page_is_not_served_and_uploads_still_work() {
        for (String path : new String[] { "/", "/index.html", "/ui/upload-page.js", "/ui/config.json" }) {
            given().get(path).then().statusCode(404);
        }
        Tus.upload(Tus.ascii("still uploads"));
    }
}
