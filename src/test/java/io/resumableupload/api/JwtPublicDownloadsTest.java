package io.resumableupload.api;

import static io.restassured.RestAssured.given;
import static io.resumableupload.support.Tus.tus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.JwtProfile;
import io.resumableupload.support.TestTokens;
import io.resumableupload.support.Tus;

/** tus.auth.public-downloads: finished uploads are readable by URL; nothing else changes. */
@QuarkusTest
@TestProfile(JwtProfile.PublicDownloads.class)
class JwtPublicDownloadsTest {

    @Test
    void a_finished_upload_is_downloadable_without_a_token_and_by_anyone() {
        byte[] data = Tus.randomBytes(1000, 1);
        String path = create("alice", data.length);
        tus().header("Authorization", TestTokens.bearer("alice")).header("Upload-Offset", 0)
                .contentType(Tus.OFFSET_STREAM).body(data).patch(path).then().statusCode(204);
        assertArrayEquals(data, given().get(path).then().statusCode(200).extract().asByteArray());
        assertArrayEquals(data, given().header("Authorization", TestTokens.bearer("bob")).get(path).then()
                .statusCode(200).extract().asByteArray());
        // Only GET is public: HEAD, PATCH, DELETE stay the owner's.
        tus().head(path).then().statusCode(401);
        tus().header("Authorization", TestTokens.bearer("bob")).delete(path).then().statusCode(404);
    }

    /** An unfinished upload is not public: 404 rather than 409, which would tell that it exists. */
    @Test
    void an_unfinished_upload_is_not_found_for_others() {
        String path = create("alice", 10);
        given().get(path).then().statusCode(404);
        given().header("Authorization", TestTokens.bearer("bob")).get(path).then().statusCode(404);
        given().header("Authorization", TestTokens.bearer("alice")).get(path).then().statusCode(409);
    }

    @Test
    void a_bad_token_is_refused_even_where_none_is_needed() {
        String path = create("alice", 0);
        given().header("Authorization", "Bearer " + TestTokens.expired("alice")).get(path).then().statusCode(401);
    }

    private static String create(String owner, int length) {
        return Tus.pathOf(tus().header("Authorization", TestTokens.bearer(owner)).header("Upload-Length", length)
                .post("/files").then().statusCode(201).extract().header("Location"));
    }
}
