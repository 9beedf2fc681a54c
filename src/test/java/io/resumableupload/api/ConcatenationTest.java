package io.resumableupload.api;

import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.support.FinishedEvents;
import io.resumableupload.support.LogCapture;
import io.resumableupload.support.Tus;

/** concatenation and concatenation-unfinished: RELIABILITY A14, D2, D11. */
@QuarkusTest
class ConcatenationTest {

    @Inject
    FinishedEvents finishedEvents;

    @Inject
    UploadRepository repository;

    @Test
    void final_of_finished_partials_is_assembled_at_creation() throws Exception {
        byte[] a = Tus.randomBytes(3000, 1);
        byte[] b = Tus.randomBytes(5000, 2);
        String pa = partial(a.length);
        String pb = partial(b.length);
        Tus.patch(pa, 0, a).then().statusCode(204);
        Tus.patch(pb, 0, b).then().statusCode(204);
        Tus.head(pa).then().header("Upload-Concat", "partial").header("Upload-Offset", "3000");
        String concat = "final;" + pa + " http://localhost" + pb + " " + pa;
        String fin = Tus.pathOf(tus().header("Upload-Concat", concat).post("/files").then().statusCode(201).extract()
                .header("Location"));
        Tus.head(fin).then().statusCode(200).header("Upload-Concat", concat).header("Upload-Length", "11000")
                .header("Upload-Offset", "11000");
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(a);
        expected.write(b);
        expected.write(a);
        assertArrayEquals(expected.toByteArray(), Tus.download(fin));
        assertEquals(1, finishedEvents.count(Tus.idOf(fin)));
    }

    /** concatenation-unfinished: the final completes when its last partial does; no offset before that. */
    @Test
    void final_created_before_its_partials_finish_completes_with_them() {
        byte[] a = Tus.randomBytes(2000, 3);
        byte[] b = Tus.randomBytes(1000, 4);
        String pa = partial(a.length);
        String pb = partial(b.length);
        Tus.patch(pa, 0, a).then().statusCode(204);
        String fin = Tus.pathOf(tus().header("Upload-Concat", "final;" + pa + " " + pb).post("/files").then()
                .statusCode(201).extract().header("Location"));
        // Spec: HEAD on a final upload SHOULD NOT carry Upload-Offset until the concatenation is done.
        Tus.head(fin).then().statusCode(200).header("Upload-Offset", nullValue()).header("Upload-Length", "3000");
        io.restassured.RestAssured.given().get(fin).then().statusCode(409);
        Tus.patch(pb, 0, b).then().statusCode(204);
        Tus.head(fin).then().statusCode(200).header("Upload-Offset", "3000");
        byte[] all = new byte[3000];
        System.arraycopy(a, 0, all, 0, 2000);
        System.arraycopy(b, 0, all, 2000, 1000);
        assertArrayEquals(all, Tus.download(fin));
    }

    /** Spec: "The Server MUST respond with 403 Forbidden to PATCH requests against a final upload URL". */
    @Test
    void patch_to_a_final_upload_is_403_and_changes_nothing() {
        byte[] a = Tus.randomBytes(100, 5);
        String pa = partial(100);
        Tus.patch(pa, 0, a).then().statusCode(204);
        String fin = Tus.pathOf(tus().header("Upload-Concat", "final;" + pa).post("/files").then().statusCode(201)
                .extract().header("Location"));
        Tus.patch(fin, 0, new byte[10]).then().statusCode(403).body(startsWith("ERR_MODIFY_FINAL"));
        Tus.patch(fin, 100, new byte[0]).then().statusCode(403);
        assertArrayEquals(a, Tus.download(fin));
        assertArrayEquals(a, Tus.download(pa));
    }

    @Test
    void final_with_a_body_is_403() {
        String pa = partial(1);
        tus().header("Upload-Concat", "final;" + pa).contentType(Tus.OFFSET_STREAM).body(new byte[1]).post("/files")
                .then().statusCode(403);
    }

    @Test
    void final_with_an_upload_length_is_400() {
        String pa = partial(1);
        tus().header("Upload-Concat", "final;" + pa).header("Upload-Length", 1).post("/files").then().statusCode(400);
    }

    /** RELIABILITY A14 and D2: malformed lists, traversal, foreign URLs and non-partials are refused. */
    @ParameterizedTest
    @ValueSource(strings = { "final;", "final; ", "final;/files/../../etc/passwd", "final;/other/AAAAAAAAAAAAAAAAAAAAAA",
            "final;/files/AAAAAAAAAAAAAAAAAAAAAA", "final;/files/..%2F..%2Fx", "final;http://[bad", "merge;/files/a",
            "final;/files/a/b" })
    void invalid_concat_headers_are_400(String header) {
        tus().header("Upload-Concat", header).post("/files").then().statusCode(400);
    }

    @Test
    void a_final_cannot_name_an_upload_that_is_not_a_partial() {
        String plain = Tus.upload(new byte[10]);
        tus().header("Upload-Concat", "final;" + plain).post("/files").then().statusCode(400)
                .body(startsWith("ERR_INVALID_CONCAT"));
    }

    @Test
    void a_final_cannot_name_a_partial_of_unknown_length() {
        String deferred = Tus.pathOf(tus().header("Upload-Concat", "partial").header("Upload-Defer-Length", "1")
                .post("/files").then().statusCode(201).extract().header("Location"));
        tus().header("Upload-Concat", "final;" + deferred).post("/files").then().statusCode(400);
    }

    /** RELIABILITY D11: the sum of the partials is held to Tus-Max-Size. */
    @Test
    void a_final_larger_than_max_size_is_413() {
        String big = partial(40L * 1024 * 1024);
        tus().header("Upload-Concat", "final;" + big + " " + big).post("/files").then().statusCode(413)
                .body(startsWith("ERR_MAX_SIZE_EXCEEDED"));
    }

    @Test
    void terminating_a_partial_removes_finals_still_waiting_for_it() {
        String pa = partial(10);
        String fin = Tus.pathOf(tus().header("Upload-Concat", "final;" + pa).post("/files").then().statusCode(201)
                .extract().header("Location"));
        tus().delete(pa).then().statusCode(204);
        Tus.head(fin).then().statusCode(404);
    }

    /** A zero-length partial is a valid, finished partial: alone, among others, repeated. */
    @Test
    void a_final_naming_a_zero_length_partial_completes_with_the_right_bytes() throws Exception {
        String empty = partial(0);
        Tus.head(empty).then().statusCode(200).header("Upload-Offset", "0").header("Upload-Length", "0");
        String alone = Tus.pathOf(tus().header("Upload-Concat", "final;" + empty).post("/files").then().statusCode(201)
                .extract().header("Location"));
        Tus.head(alone).then().statusCode(200).header("Upload-Offset", "0").header("Upload-Length", "0");
        assertArrayEquals(new byte[0], Tus.download(alone));

        byte[] a = Tus.randomBytes(1000, 6);
        String pa = partial(a.length);
        Tus.patch(pa, 0, a).then().statusCode(204);
        String mixed = Tus.pathOf(tus().header("Upload-Concat", "final;" + empty + " " + pa + " " + empty + " " + pa)
                .post("/files").then().statusCode(201).extract().header("Location"));
        Tus.head(mixed).then().statusCode(200).header("Upload-Offset", "2000");
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(a);
        expected.write(a);
        assertArrayEquals(expected.toByteArray(), Tus.download(mixed));
        assertEquals(1, finishedEvents.count(Tus.idOf(mixed)));
    }

    /** concatenation-unfinished with a zero-length partial: the final completes when the other partial does. */
    @Test
    void a_final_waiting_with_a_zero_length_partial_completes_when_the_other_partial_finishes() {
        String empty = partial(0);
        byte[] b = Tus.randomBytes(500, 7);
        String pb = partial(b.length);
        String fin = Tus.pathOf(tus().header("Upload-Concat", "final;" + empty + " " + pb).post("/files").then()
                .statusCode(201).extract().header("Location"));
        Tus.patch(pb, 0, b).then().statusCode(204);
        Tus.head(fin).then().statusCode(200).header("Upload-Offset", "500");
        assertArrayEquals(b, Tus.download(fin));
        assertEquals(1, finishedEvents.count(Tus.idOf(fin)));
    }

    /**
     * A final that can never be assembled (a partial's stored bytes vanished) is given up once, answering 410
     * ERR_UPLOAD_LOST, instead of being retried by every sweep with a stack trace.
     */
    @Test
    void a_final_whose_partial_lost_its_bytes_is_given_up_without_a_stack_trace() throws Exception {
        String pa = partial(100);
        String pb = partial(100);
        Tus.patch(pa, 0, new byte[100]).then().statusCode(204);
        String fin = Tus.pathOf(tus().header("Upload-Concat", "final;" + pa + " " + pb).post("/files").then()
                .statusCode(201).extract().header("Location"));
        loseStoredBytes(Tus.idOf(pa));
        try (LogCapture log = new LogCapture()) {
            Tus.patch(pb, 0, new byte[100]).then().statusCode(204);
            Tus.head(fin).then().statusCode(410);
            io.restassured.RestAssured.given().get(fin).then().statusCode(410).body(startsWith("ERR_UPLOAD_LOST"));
            assertFalse(repository.findUnfinishedFinals(10_000).contains(Tus.idOf(fin)), "the reaper would retry it");
            assertEquals(List.of(), log.withStackTraces().stream().map(r -> r.getMessage()).toList());
        }
    }

    /**
     * Issue 7 item 10: one final names at most tus.concatenation.max-partials (100) partial uploads, repeats counted,
     * so one request cannot make the server copy a partial hundreds of times. Beyond: 400, nothing created.
     */
    @Test
    void a_final_naming_more_than_max_partials_is_400_and_creates_nothing() {
        byte[] a = Tus.randomBytes(10, 8);
        String pa = partial(a.length);
        Tus.patch(pa, 0, a).then().statusCode(204);
        long rows = repository.count();
        tus().header("Upload-Concat", "final;" + String.join(" ", Collections.nCopies(101, pa))).post("/files").then()
                .statusCode(400).body(startsWith("ERR_TOO_MANY_PARTIALS"))
                .body(containsString("101")).body(containsString("tus.concatenation.max-partials (100)"));
        assertEquals(rows, repository.count());

        String atTheLimit = "final;" + String.join(" ", Collections.nCopies(100, pa));
        String fin = Tus.pathOf(tus().header("Upload-Concat", atTheLimit).post("/files").then().statusCode(201)
                .extract().header("Location"));
        Tus.head(fin).then().statusCode(200).header("Upload-Offset", "1000").header("Upload-Concat", atTheLimit);
    }

    /** Issue 7 item 19: the 201 of a POST with Upload-Concat echoes it, as HEAD does. */
    @Test
    void the_201_echoes_upload_concat() {
        tus().header("Upload-Concat", "partial").header("Upload-Length", 3).post("/files").then().statusCode(201)
                .header("Upload-Concat", "partial");
        String pa = Tus.pathOf(tus().header("Upload-Concat", "partial").header("Upload-Length", 3)
                .contentType(Tus.OFFSET_STREAM).body(new byte[3]).post("/files").then().statusCode(201)
                .header("Upload-Concat", "partial").header("Upload-Offset", "3").extract().header("Location"));
        String pb = partial(2);
        String list = "final;" + pa + " " + pb;
        tus().header("Upload-Concat", list).post("/files").then().statusCode(201).header("Upload-Concat", list);
        tus().header("Upload-Length", 3).post("/files").then().statusCode(201).header("Upload-Concat", nullValue());
    }

    /** Deletes an upload's bytes behind the server's back. */
    void loseStoredBytes(String id) throws Exception {
        Files.delete(Path.of("target/test-uploads", id));
    }

    private static String partial(long length) {
        return Tus.pathOf(tus().header("Upload-Concat", "partial").header("Upload-Length", length).post("/files").then()
                .statusCode(201).extract().header("Location"));
    }
}
