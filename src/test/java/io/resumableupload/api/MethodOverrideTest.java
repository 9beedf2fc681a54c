package io.resumableupload.api;

import static io.resumableupload.support.Tus.tus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.support.Tus;

/** X-HTTP-Method-Override: RELIABILITY A16. */
@QuarkusTest
class MethodOverrideTest {

    /** Spec: the server MUST interpret X-HTTP-Method-Override as the request's method. */
    @Test
    void post_overridden_as_patch_appends() {
        byte[] data = Tus.randomBytes(500, 1);
        String path = Tus.create(500);
        tus().header("X-HTTP-Method-Override", "PATCH").header("Upload-Offset", 0).contentType(Tus.OFFSET_STREAM)
                .body(data).post(path).then().statusCode(204).header("Upload-Offset", "500");
        assertArrayEquals(data, Tus.download(path));
    }

    @Test
    void post_overridden_as_patch_still_checks_the_offset() {
        String path = Tus.create(500);
        tus().header("X-HTTP-Method-Override", "PATCH").header("Upload-Offset", 7).contentType(Tus.OFFSET_STREAM)
                .body(new byte[5]).post(path).then().statusCode(409);
    }

    @Test
    void post_overridden_as_head_and_delete() {
        String path = Tus.create(10);
        tus().header("X-HTTP-Method-Override", "HEAD").post(path).then().statusCode(200).header("Upload-Offset", "0");
        tus().header("X-HTTP-Method-Override", "DELETE").post(path).then().statusCode(204);
        Tus.head(path).then().statusCode(404);
    }

    /** A GET (safe for browsers and caches) can never be turned into a DELETE. */
    @Test
    void get_is_never_overridden() {
        byte[] data = Tus.randomBytes(10, 2);
        String path = Tus.upload(data);
        tus().header("X-HTTP-Method-Override", "DELETE").get(path).then().statusCode(200);
        assertEquals(10, Tus.offset(path));
    }

    @Test
    void an_unknown_override_is_400() {
        tus().header("X-HTTP-Method-Override", "TRACE").post("/files").then().statusCode(400);
    }

    @Test
    void the_override_still_needs_tus_resumable() {
        String path = Tus.create(10);
        io.restassured.RestAssured.given().header("X-HTTP-Method-Override", "DELETE").post(path).then().statusCode(412);
        Tus.head(path).then().statusCode(200);
    }
}
