package io.resumableupload.api;

import static io.resumableupload.support.Tus.tus;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.support.Tus;

/** termination. */
@QuarkusTest
class TerminationTest {

    /** Spec: DELETE answers 204; later requests get 404 or 410. */
    @Test
    void delete_removes_the_upload_and_its_bytes() {
        String path = Tus.create(100);
        Tus.patch(path, 0, new byte[50]).then().statusCode(204);
        Path file = Path.of("target/test-uploads", Tus.idOf(path));
        assertTrue(Files.exists(file));
        tus().delete(path).then().statusCode(204).header("Tus-Resumable", "1.0.0");
        assertFalse(Files.exists(file));
        Tus.head(path).then().statusCode(404);
        Tus.patch(path, 50, new byte[1]).then().statusCode(404);
        tus().delete(path).then().statusCode(404);
    }

    @Test
    void a_finished_upload_can_be_terminated() {
        String path = Tus.upload(new byte[10]);
        tus().delete(path).then().statusCode(204);
        io.restassured.RestAssured.given().get(path).then().statusCode(404);
    }

    @Test
    void delete_of_an_unknown_upload_is_404() {
        tus().delete("/files/AAAAAAAAAAAAAAAAAAAAAA").then().statusCode(404);
    }
}
