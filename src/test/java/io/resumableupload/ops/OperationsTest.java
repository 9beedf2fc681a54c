package io.resumableupload.ops;

import static io.restassured.RestAssured.given;
import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.support.Metrics;
import io.resumableupload.support.Tus;

/** Health probes and Prometheus metrics, on the management interface only. */
@QuarkusTest
class OperationsTest {

    /** The management interface's root path, {@code http://host:port/q/}. */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @TestHTTPResource("/")
    URL publicPort;

    @jakarta.inject.Inject
    io.resumableupload.upload.UploadService uploads;

    @jakarta.inject.Inject
    io.resumableupload.lock.UploadLocks locks;

    /**
     * One reaper across replicas: the sweep runs under the lock "expiration-reaper"; while anyone holds it (another
     * replica, for the distributed backends: see the lock contract tests), a sweep neither runs nor waits.
     */
    @Test
    void the_sweep_runs_only_where_its_lock_is_free() throws Exception {
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        try (var held = locks.acquire("expiration-reaper", java.time.Duration.ofSeconds(5), () -> {
        })) {
            long start = System.nanoTime();
            org.junit.jupiter.api.Assertions.assertFalse(uploads.runExclusively("expiration-reaper", runs::incrementAndGet));
            org.junit.jupiter.api.Assertions.assertTrue((System.nanoTime() - start) / 1_000_000 < 1_000, "the sweep waited");
        }
        org.junit.jupiter.api.Assertions.assertTrue(uploads.runExclusively("expiration-reaper", runs::incrementAndGet));
        org.junit.jupiter.api.Assertions.assertEquals(1, runs.get());
    }

    @Test
    void readiness_checks_database_and_storage() {
        given().get(management + "health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItems("upload storage", "upload locks", "accepting uploads",
                        "Database connections health check"));
    }

    /** The public port serves /files and the upload page; health and metrics are for the cluster only. */
    @Test
    void the_public_port_serves_neither_health_nor_metrics() {
        for (String path : new String[] { "q/health", "q/health/ready", "q/metrics" }) {
            given().get(publicPort + path).then().statusCode(404);
        }
    }

    @Test
    void liveness_and_startup_are_up() {
        given().get(management + "health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get(management + "health/started").then().statusCode(200).body("status", equalTo("UP"));
    }

    /** Each meter moves by exactly what the requests did (issue 7 item 23: not merely "the meter exists"). */
    @Test
    void metrics_count_uploads_bytes_requests_and_errors() {
        Metrics before = Metrics.scrape();
        String path = Tus.create(10);
        Tus.patch(path, 0, new byte[10]).then().statusCode(204);
        Tus.patch(path, 3, new byte[1]).then().statusCode(409);
        tus().header("Upload-Offset", 0).header("Upload-Checksum", "sha1 AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
                .contentType(Tus.OFFSET_STREAM).body(new byte[1]).patch(Tus.create(1)).then().statusCode(460);
        tus().delete(Tus.create(1)).then().statusCode(204);
        Metrics after = Metrics.scrape();

        assertEquals(3, after.since(before, "tus_uploads_created_total"));
        assertEquals(1, after.since(before, "tus_uploads_finished_total"));
        assertEquals(1, after.since(before, "tus_uploads_terminated_total"));
        assertEquals(10, after.since(before, "tus_bytes_received_bytes_total"));
        assertEquals(1, after.since(before, "tus_checksum_mismatches_total"));
        assertEquals(3, after.since(before, "tus_requests_total{method=\"POST\",status=\"201\"}"));
        assertEquals(1, after.since(before, "tus_requests_total{method=\"PATCH\",status=\"204\"}"));
        assertEquals(1, after.since(before, "tus_requests_total{method=\"PATCH\",status=\"409\"}"));
        assertEquals(1, after.since(before, "tus_requests_total{method=\"PATCH\",status=\"460\"}"));
        assertEquals(1, after.since(before, "tus_requests_total{method=\"DELETE\",status=\"204\"}"));
        assertEquals(1, after.since(before, "tus_errors_total{code=\"ERR_MISMATCHED_OFFSET\"}"));
        assertEquals(1, after.since(before, "tus_errors_total{code=\"ERR_CHECKSUM_MISMATCH\"}"));
        // The two PATCHes that streamed a body (the 409 was refused before any body was read); both are over.
        assertEquals(2, after.since(before, "tus_patch_duration_seconds_count"));
        assertEquals(0, after.since(before, "tus_uploads_in_progress"));
    }
}
