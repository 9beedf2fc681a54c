package io.resumableupload.fault;

import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.DatabaseOutage;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/**
 * A PostgreSQL outage (every connection cut, new ones refused) while uploads run: requests answer 503 with a code
 * naming the cause, never 423 "lock was lost", and the upload resumes once the database is back.
 */
@QuarkusTest
@TestProfile(DatabaseOutageTest.Profile.class)
class DatabaseOutageTest {

    private static final int SIZE = 1024 * 1024;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tus.lock.backend", "postgres", "quarkus.datasource.jdbc.acquisition-timeout", "2S");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(DatabaseOutage.class));
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Inject
    MeterRegistry registry;

    @AfterEach
    void databaseBack() throws Exception {
        DatabaseOutage.proxy().up();
    }

    @Test
    void a_database_outage_during_a_patch_answers_503_naming_the_cause() throws Exception {
        byte[] data = Tus.randomBytes(SIZE, 1);
        String path = Tus.create(SIZE);
        Path file = Path.of("target/test-uploads", Tus.idOf(path));
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0, "Content-Length: " + SIZE + "\r\n").send(Arrays.copyOf(data, 100_000));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while ((!Files.exists(file) || Files.size(file) < 100_000) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            DatabaseOutage.proxy().down();
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(20));
            assertNotNull(response);
            assertEquals(503, response.status());
            String body = http.readBody(response);
            assertTrue(body.startsWith("ERR_LOCK_UNAVAILABLE"), body);
        }
        Tus.tus().header("Upload-Length", 10).post("/files").then().statusCode(503)
                .body(startsWith("ERR_DATABASE_UNAVAILABLE"));
        // A creation-with-upload whose body is in hand writes it before it inserts its row: the file must go again.
        // Whether the body is all there when the worker looks is a race, so POST until one took that path.
        long filesBefore = uploadFiles();
        double oneCommitBefore = oneCommitCreations();
        for (int i = 0; i < 20 && oneCommitCreations() == oneCommitBefore; i++) {
            Tus.tus().header("Upload-Length", 1000).contentType("application/offset+octet-stream")
                    .body(Tus.randomBytes(1000, 2)).post("/files").then().statusCode(503)
                    .body(startsWith("ERR_DATABASE_UNAVAILABLE"));
        }
        assertTrue(oneCommitCreations() > oneCommitBefore, "no creation-with-upload took the one-commit path");
        assertEquals(filesBefore, uploadFiles(), "a file was left by a failed creation-with-upload");
        Tus.head(path).then().statusCode(503);
        io.restassured.RestAssured.given().get(path).then().statusCode(503).body(startsWith("ERR_DATABASE_UNAVAILABLE"));

        DatabaseOutage.proxy().up();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (Tus.head(path).statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        long offset = Tus.offset(path);
        Tus.patch(path, offset, Arrays.copyOfRange(data, (int) offset, SIZE)).then().statusCode(204);
        assertEquals(Tus.sha256(data), Tus.sha256(Tus.download(path)));
    }

    private double oneCommitCreations() {
        return registry.counter("tus.creations.one.commit").count();
    }

    private static long uploadFiles() throws Exception {
        try (var files = Files.list(Path.of("target/test-uploads"))) {
            return files.count();
        }
    }

    /**
     * Small PATCHes during an outage try the transaction-level lock and get no connection: each must give its permit
     * back. Before, each such failure kept one for good (a pool of 8 has 4), and after the outage no small PATCH took
     * the 2-round-trip path again until a restart.
     */
    @Test
    void small_patches_take_the_transaction_lock_again_after_an_outage() throws Exception {
        List<String> paths = new ArrayList<>();
        // More than the pool holds: once the connections the outage cut are gone, the pool has none to give.
        for (int i = 0; i < 20; i++) {
            paths.add(Tus.create(1000));
        }
        DatabaseOutage.proxy().down();
        for (String path : paths) {
            Tus.patch(path, 0, Tus.randomBytes(1000, 20)).then().statusCode(503);
        }
        DatabaseOutage.proxy().up();
        double before = registry.counter("tus.appends.transaction.lock").count();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int uploads = 0;
        while (registry.counter("tus.appends.transaction.lock").count() == before && System.nanoTime() < deadline) {
            // The first requests after the outage may still meet connections it cut.
            io.restassured.response.Response created = Tus.tus().header("Upload-Length", 1000).post("/files");
            if (created.statusCode() == 201) {
                Tus.patch(Tus.pathOf(created.header("Location")), 0, Tus.randomBytes(1000, 21));
                uploads++;
            } else {
                Thread.sleep(100);
            }
        }
        assertTrue(registry.counter("tus.appends.transaction.lock").count() > before,
                "no small PATCH took the transaction lock in " + uploads + " uploads after the outage");
    }
}
