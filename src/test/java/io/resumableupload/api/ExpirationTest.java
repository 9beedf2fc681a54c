package io.resumableupload.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.ops.ExpirationReaper;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.protocol.HttpDates;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.TestClock;
import io.resumableupload.support.Tus;

/**
 * expiration: RELIABILITY B14. Unfinished uploads expire an hour after their last PATCH in this profile; the tests
 * move the server's clock instead of waiting.
 */
@QuarkusTest
@TestProfile(ExpirationTest.Profile.class)
class ExpirationTest {

    private static final Duration WINDOW = Duration.ofHours(1);

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tus.expiration.unfinished-after", "1h");
        }

        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(TestClock.class);
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Inject
    TestClock clock;

    @Inject
    ExpirationReaper reaper;

    @Inject
    UploadRepository repository;

    /** Spec: Upload-Expires on POST when known, and "MUST be included in every PATCH response" when expiring. */
    @Test
    void expiry_is_announced_and_slides_with_each_patch() {
        String location = Tus.tus().header("Upload-Length", 10).post("/files").then().statusCode(201)
                .header("Upload-Expires", notNullValue()).extract().header("Location");
        Instant created = HttpDates.parse(Tus.head(Tus.pathOf(location)).then().extract().header("Upload-Expires"));
        assertEquals(clock.instant().plus(WINDOW).getEpochSecond(), created.getEpochSecond(), 2);
        String path = Tus.pathOf(location);
        clock.advance(Duration.ofMinutes(10));
        Instant slid = HttpDates.parse(
                Tus.patch(path, 0, new byte[5]).then().statusCode(204).extract().header("Upload-Expires"));
        assertEquals(created.plus(Duration.ofMinutes(10)).getEpochSecond(), slid.getEpochSecond(), 2);
        // Finished uploads never expire unless configured.
        Tus.patch(path, 5, new byte[5]).then().statusCode(204).header("Upload-Expires", nullValue());
    }

    @Test
    void expired_uploads_answer_410_and_their_bytes_are_reclaimed_but_finished_ones_stay() {
        String unfinished = Tus.create(100);
        Tus.patch(unfinished, 0, new byte[10]).then().statusCode(204);
        byte[] data = Tus.randomBytes(100, 1);
        String finished = Tus.upload(data);
        Path unfinishedFile = Path.of("target/test-uploads", Tus.idOf(unfinished));
        Path finishedFile = Path.of("target/test-uploads", Tus.idOf(finished));

        clock.advance(WINDOW.plusSeconds(1));
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
        assertTrue(repository.purgeTombstones(clock.instant().plusSeconds(1)) >= 1);
        Tus.head(unfinished).then().statusCode(404);
        given().get(finished).then().statusCode(200);
    }

    /**
     * Issue 7.15: the reaper never expires an upload while a PATCH streams into it (it only takes locks that are
     * free, on any replica), and a PATCH that runs long slides the expiry itself.
     */
    @Test
    void the_reaper_never_expires_an_upload_while_a_patch_streams_into_it() throws Exception {
        byte[] data = Tus.randomBytes(300_000, 2);
        String path = Tus.create(data.length);
        String id = Tus.idOf(path);
        Path file = Path.of("target/test-uploads", id);
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0, "Content-Length: " + data.length + "\r\n").send(Arrays.copyOf(data, 100_000));
            await(() -> Files.exists(file) && Files.size(file) >= 100_000);
            // The expiry the upload had when the PATCH began is now past.
            clock.advance(WINDOW.plusMinutes(5));
            reaper.expireDue();
            assertNull(repository.findRecord(id).orElseThrow().expiredAt(), "expired under a streaming PATCH");
            http.send(Arrays.copyOfRange(data, 100_000, 200_000));
            await(() -> repository.findRecord(id).orElseThrow().expiresAt().isAfter(clock.instant().plus(WINDOW.dividedBy(2))));
            http.send(Arrays.copyOfRange(data, 200_000, data.length));
            assertEquals(204, http.readResponse(Duration.ofSeconds(10)).status());
        }
        Tus.head(path).then().statusCode(200).header("Upload-Offset", String.valueOf(data.length));
        assertEquals(Tus.sha256(data), Tus.sha256(Tus.download(path)));
    }

    @Test
    void a_final_waiting_for_an_expired_partial_expires_with_it() {
        String partial = Tus.pathOf(Tus.tus().header("Upload-Concat", "partial").header("Upload-Length", 10)
                .post("/files").then().statusCode(201).extract().header("Location"));
        String fin = Tus.pathOf(Tus.tus().header("Upload-Concat", "final;" + partial).post("/files").then()
                .statusCode(201).extract().header("Location"));
        clock.advance(WINDOW.plusSeconds(1));
        reaper.expireDue();
        Tus.head(partial).then().statusCode(410);
        Tus.head(fin).then().statusCode(410);
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(Condition condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.holds()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
            Thread.sleep(10);
        }
    }
}
