package io.resumableupload.storage.s3;

import static io.restassured.RestAssured.given;
import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.ops.ExpirationReaper;
import io.resumableupload.support.S3Profile;
import io.resumableupload.support.S3Proxy;
import io.resumableupload.support.Tus;

/**
 * The server on S3: termination, expiry and failed creations leave no object, tail or multipart upload behind; an
 * unreachable S3 answers 503 ERR_STORAGE_UNAVAILABLE, fails readiness and leaves the upload resumable.
 */
@QuarkusTest
@TestProfile(S3Profile.class)
class S3OperationsTest {

    private static final int MIB = 1024 * 1024;

    /** The management interface's root path, {@code http://host:port/q/}: readiness lives there. */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    ExpirationReaper reaper;

    /** An upload holding one part in a multipart upload and a tail object. */
    private String halfUploaded(byte[] data) {
        String path = Tus.create(data.length);
        Tus.patch(path, 0, Arrays.copyOf(data, 5 * MIB + 100)).then().statusCode(204);
        String key = S3Profile.PREFIX + Tus.idOf(path);
        assertEquals(List.of(key), S3Proxy.shared().multipartUploads(key));
        assertEquals(List.of(key + ".tail." + (5 * MIB + 100)), S3Proxy.shared().keys(key));
        return path;
    }

    @Test
    void termination_aborts_the_multipart_upload_and_deletes_every_object() throws Exception {
        String path = halfUploaded(Tus.randomBytes(12 * MIB, 1));
        tus().delete(path).then().statusCode(204);
        assertNothingStored(Tus.idOf(path));

        String finished = Tus.upload(Tus.randomBytes(6 * MIB, 2));
        tus().delete(finished).then().statusCode(204);
        assertNothingStored(Tus.idOf(finished));
    }

    @Test
    void expiry_aborts_the_multipart_upload_and_deletes_every_object() throws Exception {
        String path = halfUploaded(Tus.randomBytes(12 * MIB, 3));
        sql("UPDATE upload SET expires_at = now() - interval '1 second' WHERE id = ?", Tus.idOf(path));
        assertTrue(reaper.expireDue() >= 1);
        Tus.head(path).then().statusCode(410);
        assertNothingStored(Tus.idOf(path));
    }

    @Test
    void a_failed_creation_with_upload_leaves_nothing_behind() throws Exception {
        long rows = count("SELECT count(*) FROM s3_upload");
        int objects = S3Proxy.shared().keys(S3Profile.PREFIX).size();
        // Longer than its Upload-Length, then a checksum mismatch: both are refused and the new upload discarded.
        tus().header("Upload-Length", 10).contentType(Tus.OFFSET_STREAM).body(new byte[20]).post("/files").then()
                .statusCode(413);
        tus().header("Upload-Length", 10).header("Upload-Checksum", "sha1 " + "A".repeat(27) + "=")
                .contentType(Tus.OFFSET_STREAM).body(new byte[10]).post("/files").then().statusCode(460);
        assertEquals(rows, count("SELECT count(*) FROM s3_upload"));
        assertEquals(objects, S3Proxy.shared().keys(S3Profile.PREFIX).size());
    }

    @Test
    void a_final_upload_is_assembled_server_side_and_served_by_ranges() {
        byte[] big = Tus.randomBytes(5 * MIB + 7, 4);
        byte[] small = Tus.randomBytes(3000, 5);
        String first = partial(big);
        String second = partial(small);
        String fin = Tus.pathOf(tus().header("Upload-Concat", "final;" + first + " " + second + " " + first).post("/files")
                .then().statusCode(201).extract().header("Location"));
        byte[] expected = new byte[2 * big.length + small.length];
        System.arraycopy(big, 0, expected, 0, big.length);
        System.arraycopy(small, 0, expected, big.length, small.length);
        System.arraycopy(big, 0, expected, big.length + small.length, big.length);
        assertArrayEquals(expected, given().get(fin).then().statusCode(200).extract().asByteArray());
        byte[] range = given().header("Range", "bytes=5242000-5243999").get(fin).then().statusCode(206).extract()
                .asByteArray();
        assertArrayEquals(Arrays.copyOfRange(expected, 5242000, 5244000), range);
    }

    /** Kills the shared s3proxy for a moment: every other test in this JVM sees it back afterwards. */
    @Test
    void an_unreachable_store_answers_503_fails_readiness_and_the_upload_resumes_after() throws Exception {
        byte[] data = Tus.randomBytes(6 * MIB, 6);
        String path = Tus.create(data.length);
        Tus.patch(path, 0, Arrays.copyOf(data, 1000)).then().statusCode(204);
        S3Proxy.shared().kill();
        try {
            Tus.patch(path, 1000, Arrays.copyOfRange(data, 1000, 2000)).then().statusCode(503)
                    .body(containsString("ERR_STORAGE_UNAVAILABLE"));
            given().get(management + "health/ready").then().statusCode(503).body(containsString("upload storage"));
            assertEquals(1000, Tus.offset(path));
        } finally {
            S3Proxy.shared().restart();
        }
        given().get(management + "health/ready").then().statusCode(200);
        Tus.patch(path, 1000, Arrays.copyOfRange(data, 1000, data.length)).then().statusCode(204);
        assertArrayEquals(data, given().get(path).then().statusCode(200).extract().asByteArray());
    }

    private static String partial(byte[] data) {
        String path = Tus.pathOf(tus().header("Upload-Concat", "partial").header("Upload-Length", data.length)
                .post("/files").then().statusCode(201).extract().header("Location"));
        Tus.patch(path, 0, data).then().statusCode(204);
        return path;
    }

    private void assertNothingStored(String id) throws Exception {
        String key = S3Profile.PREFIX + id;
        assertEquals(List.of(), S3Proxy.shared().keys(key));
        assertEquals(List.of(), S3Proxy.shared().multipartUploads(key));
        assertFalse(count("SELECT count(*) FROM s3_upload WHERE upload_id = '" + id + "'") > 0);
    }

    private void sql(String sql, String id) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, id);
            s.executeUpdate();
        }
    }

    private long count(String sql) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(sql);
                ResultSet row = s.executeQuery()) {
            row.next();
            return row.getLong(1);
        }
    }
}
