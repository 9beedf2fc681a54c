package io.resumableupload.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * RELIABILITY D1: traversal in upload ids never reads, creates or deletes anything outside the upload directory.
 * A canary file sits next to the upload directory (one "../" away) and must survive every request.
 */
@QuarkusTest
class TraversalTest {

    private static final Path CANARY = Path.of("target/canary-d1.txt");
    private static final Set<Integer> REFUSED = Set.of(400, 404, 414);

    @BeforeAll
    static void plantCanary() throws IOException {
        Files.writeString(CANARY, "canary");
    }

    static List<String> hostilePaths() {
        return List.of("/files/..%2Fcanary-d1.txt", "/files/..%2F..%2Ftarget%2Fcanary-d1.txt", "/files/%2e%2e%2fcanary-d1.txt",
                "/files/..%5ccanary-d1.txt", "/files/%00", "/files/canary%00AAAAAAAAAAAAAAAAAAAA",
                "/files/..%252Fcanary-d1.txt",
                "/files/a/../../target/canary-d1.txt", "/files/..", "/files/%2E%2E", "/files/" + "A".repeat(10_000),
                "/files/AAAAAAAAAAAAAAAAAAAAA%2F", "/files/.%2e/canary-d1.txt");
    }

    @Test
    void hostile_ids_are_refused_for_every_method() throws IOException {
        for (String path : hostilePaths()) {
            for (String method : List.of("HEAD", "PATCH", "GET", "DELETE")) {
                int status = given().urlEncodingEnabled(false).header("Tus-Resumable", "1.0.0").header("Upload-Offset", 0)
                        .contentType("application/offset+octet-stream").body(new byte[6]).request(method, path)
                        .statusCode();
                assertTrue(REFUSED.contains(status), method + " " + abbreviate(path) + " answered " + status);
            }
        }
        assertEquals("canary", Files.readString(CANARY));
        try (var files = Files.list(Path.of("target"))) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("..")), "a file was created outside");
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
