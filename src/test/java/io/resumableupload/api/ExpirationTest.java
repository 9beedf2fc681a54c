package io.resumableupload.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.ops.ExpirationReaper;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.protocol.HttpDates;
import io.resumableupload.support.Tus;

/** expiration: RELIABILITY B14. Unfinished uploads expire 2 s after their last PATCH in this profile. */
@QuarkusTest
@TestProfile(ExpirationTest.Profile.class)
class ExpirationTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tus.expiration.unfinished-after", "2s");
        }
    }

    @Inject
    ExpirationReaper reaper;

    @Inject
    UploadRepository repository;

    /** Spec: Upload-Expires on POST when known, and "MUST be included in every PATCH response" when expiring. */
    @Test
    void expiry_is_announced_and_slides_with_each_patch() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        String location = Tus.tus().header("Upload-Length", 10).post("/files").then().statusCode(201)
                .header("Upload-Expires", notNullValue()).extract().header("Location");
        String path = Tus.pathOf(location);
        Thread.sleep(1100);
        String expires = Tus.patch(path, 0, new byte[5]).then().statusCode(204).extract().header("Upload-Expires");
        Instant expiresAt = HttpDates.parse(expires);
        assertTrue(expiresAt.isAfter(before.plusSeconds(3)), "expiry did not slide: " + expires);
        // Finished uploads never expire unless configured.
        Tus.patch(path, 5, new byte[5]).then().statusCode(204).header("Upload-Expires", nullValue());
    }

    @Test
    void expired_uploads_answer_410_and_their_bytes_are_reclaimed_but_finished_ones_stay() throws Exception {
        String unfinished = Tus.create(100);
        Tus.patch(unfinished, 0, new byte[10]).then().statusCode(204);
        byte[] data = Tus.randomBytes(100, 1);
        String finished = Tus.upload(data);
        Path unfinishedFile = Path.of("target/test-uploads", Tus.idOf(unfinished));
        Path finishedFile = Path.of("target/test-uploads", Tus.idOf(finished));

        Thread.sleep(Duration.ofMillis(2300).toMillis());
        // Expired before the reaper came by: already 410 for every verb.
        Tus.head(unfinished).then().statusCode(410).header("Upload-Offset", nullValue());
        Tus.patch(unfinished, 10, new byte[10]).then().statusCode(410);
        Tus.tus().delete(unfinished).then().statusCode(410);
        assertTrue(Files.exists(unfinishedFile));

        assertTrue(reaper.expireDue() >= 1);
        assertFalse(Files.exists(unfinishedFile), "expired bytes were not deleted");
        Tus.head(unfinished).then().statusCode(410);

        // supabase#1039: a completed upload is never reaped.
        assertTrue(Files.exists(finishedFile));
        Tus.head(finished).then().statusCode(200).header("Upload-Offset", "100");
        assertEquals(Tus.sha256(data), Tus.sha256(Tus.download(finished)));

        // Tombstones are purged after the retention; then the upload is simply unknown.
        assertTrue(repository.purgeTombstones(Instant.now().plusSeconds(1)) >= 1);
        Tus.head(unfinished).then().statusCode(404);
        given().get(finished).then().statusCode(200);
    }

    @Test
    void a_final_waiting_for_an_expired_partial_expires_with_it() throws Exception {
        String partial = Tus.pathOf(Tus.tus().header("Upload-Concat", "partial").header("Upload-Length", 10)
                .post("/files").then().statusCode(201).extract().header("Location"));
        String fin = Tus.pathOf(Tus.tus().header("Upload-Concat", "final;" + partial).post("/files").then()
                .statusCode(201).extract().header("Location"));
        Thread.sleep(2300);
        reaper.expireDue();
        Tus.head(partial).then().statusCode(410);
        Tus.head(fin).then().statusCode(410);
    }
}
