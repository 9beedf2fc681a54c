package io.resumableupload.api;

import static io.resumableupload.support.Tus.tus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.config.ConnectionConfig;
import io.restassured.config.RestAssuredConfig;
import io.resumableupload.support.Tus;

/** RELIABILITY D4: 10,000 ids created through the API are unique, 128-bit random, with no shared structure. */
@QuarkusTest
class UploadIdQualityTest {

    private static final int COUNT = 10_000;

    /**
     * A connection per request, closed after its response. RestAssured's default leaves each one open until its
     * client object is collected, and the server keeps its side until the idle timeout: 10,000 of each in this one
     * JVM reached its limit of 20,000 open files in one CI run (every later test then failed to connect).
     */
    private static final RestAssuredConfig CLOSE_EACH_CONNECTION = RestAssuredConfig.config()
            .connectionConfig(ConnectionConfig.connectionConfig().closeIdleConnectionsAfterEachResponse());

    @Test
    void ten_thousand_ids_are_unique_and_random() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<List<String>>> batches = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            batches.add(pool.submit(() -> {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < COUNT / 8; i++) {
                    ids.add(Tus.idOf(Tus.pathOf(tus().config(CLOSE_EACH_CONNECTION).header("Upload-Length", 1)
                            .header("Upload-Metadata",
                                    "filename " + Base64.getEncoder().encodeToString("same-name.bin".getBytes()))
                            .post("/files").then().statusCode(201).extract().header("Location"))));
                }
                return ids;
            }));
        }
        List<String> ids = new ArrayList<>();
        for (Future<List<String>> batch : batches) {
            ids.addAll(batch.get());
        }
        pool.shutdown();

        assertEquals(COUNT, new HashSet<>(ids).size(), "duplicate ids");
        int[] ones = new int[128];
        Set<String> prefixes = new HashSet<>();
        for (String id : ids) {
            assertTrue(id.matches("[A-Za-z0-9_-]{22}"), id);
            byte[] bits = Base64.getUrlDecoder().decode(id);
            assertEquals(16, bits.length);
            for (int i = 0; i < 128; i++) {
                ones[i] += (bits[i / 8] >> (7 - i % 8)) & 1;
            }
            prefixes.add(id.substring(0, 4));
        }
        // Each of the 128 bits is set in about half the ids (binomial, sd = 50 for n = 10,000: allow 6 sd).
        for (int i = 0; i < 128; i++) {
            assertTrue(Math.abs(ones[i] - COUNT / 2) < 300, "bit " + i + " set in " + ones[i] + " ids");
        }
        // No sequential or shared prefix: 4-character prefixes (24 bits) almost never repeat.
        assertTrue(prefixes.size() > COUNT * 0.99, "only " + prefixes.size() + " distinct prefixes");
    }
}
