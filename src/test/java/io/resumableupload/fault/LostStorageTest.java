package io.resumableupload.fault;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.support.Metrics;
import io.resumableupload.support.Tus;

/**
 * The upload directory is deleted or emptied under a running server: the directory is recreated, and an upload
 * whose committed bytes vanished answers a clear 410 ERR_UPLOAD_LOST (counted once) instead of 500 forever.
 */
@QuarkusTest
class LostStorageTest {

    private static final Path DIRECTORY = Path.of("target/test-uploads");
    private static final String LOST = "tus_uploads_lost_total";

    @Test
    void an_upload_whose_file_vanished_answers_410_upload_lost_and_is_counted_once() throws Exception {
        String path = Tus.create(100);
        Tus.patch(path, 0, new byte[40]).then().statusCode(204);
        Files.delete(DIRECTORY.resolve(Tus.idOf(path)));
        double lost = Metrics.scrape().value(LOST);
        Tus.patch(path, 40, new byte[10]).then().statusCode(410).body(startsWith("ERR_UPLOAD_LOST"));
        Tus.patch(path, 40, new byte[10]).then().statusCode(410).body(startsWith("ERR_UPLOAD_LOST"));
        Tus.head(path).then().statusCode(410);
        assertEquals(lost + 1, Metrics.scrape().value(LOST));
    }

    @Test
    void an_upload_whose_file_was_emptied_answers_410_upload_lost() throws Exception {
        String path = Tus.create(100);
        Tus.patch(path, 0, new byte[40]).then().statusCode(204);
        Files.write(DIRECTORY.resolve(Tus.idOf(path)), new byte[0]);
        Tus.patch(path, 40, new byte[10]).then().statusCode(410).body(startsWith("ERR_UPLOAD_LOST"));
    }

    @Test
    void a_finished_upload_whose_file_vanished_answers_410_on_download() throws Exception {
        String path = Tus.upload(Tus.randomBytes(100, 1));
        Files.delete(DIRECTORY.resolve(Tus.idOf(path)));
        given().get(path).then().statusCode(410).body(startsWith("ERR_UPLOAD_LOST"));
    }

    @Test
    void a_deleted_upload_directory_is_recreated() throws Exception {
        deleteRecursively(DIRECTORY);
        byte[] data = Tus.randomBytes(1000, 2);
        String path = Tus.create(data.length);
        Tus.patch(path, 0, data).then().statusCode(204);
        assertArrayEquals(data, Tus.download(path));
    }

    private static void deleteRecursively(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
