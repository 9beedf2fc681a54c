package io.resumableupload.api;

import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.protocol.ChecksumAlgorithm;
import io.resumableupload.support.Poll;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/** checksum: RELIABILITY A15 and B13. */
@QuarkusTest
class ChecksumTest {

    @TestHTTPResource("/")
    URL root;

    @ParameterizedTest
    @EnumSource(ChecksumAlgorithm.class)
    void a_correct_checksum_is_accepted(ChecksumAlgorithm algorithm) {
        byte[] data = Tus.randomBytes(10_000, algorithm.ordinal());
        String path = Tus.create(data.length);
        tus().header("Upload-Offset", 0).header("Upload-Checksum", checksum(algorithm, data))
                .contentType(Tus.OFFSET_STREAM).body(data).patch(path).then().statusCode(204)
                .header("Upload-Offset", "10000");
        assertArrayEquals(data, Tus.download(path));
    }

    /**
     * Spec: "460 Checksum Mismatch ... the uploaded chunk MUST be discarded, and the upload and its offset MUST NOT be
     * updated".
     */
    @Test
    void a_wrong_checksum_is_460_and_the_offset_stays() {
        byte[] first = Tus.randomBytes(1000, 1);
        String path = Tus.create(3000);
        Tus.patch(path, 0, first).then().statusCode(204);
        tus().header("Upload-Offset", 1000).header("Upload-Checksum", checksum(ChecksumAlgorithm.SHA1, new byte[1]))
                .contentType(Tus.OFFSET_STREAM).body(new byte[1000]).patch(path).then().statusCode(460)
                .body(startsWith("ERR_CHECKSUM_MISMATCH"));
        assertEquals(1000, Tus.offset(path));
        byte[] second = Tus.randomBytes(2000, 2);
        tus().header("Upload-Offset", 1000).header("Upload-Checksum", checksum(ChecksumAlgorithm.SHA256, second))
                .contentType(Tus.OFFSET_STREAM).body(second).patch(path).then().statusCode(204);
        byte[] all = Tus.download(path);
        assertArrayEquals(first, Arrays.copyOf(all, 1000));
        assertArrayEquals(second, Arrays.copyOfRange(all, 1000, 3000));
    }

    /** Spec: 400 for an unsupported algorithm. */
    @Test
    void an_unknown_algorithm_is_400() {
        String path = Tus.create(10);
        tus().header("Upload-Offset", 0).header("Upload-Checksum", "md4 AAAAAAAAAAAAAAAAAAAAAA==")
                .contentType(Tus.OFFSET_STREAM).body(new byte[10]).patch(path).then().statusCode(400)
                .body(startsWith("ERR_UNSUPPORTED_CHECKSUM_ALGORITHM"));
        assertEquals(0, Tus.offset(path));
    }

    @Test
    void a_checksummed_creation_with_upload_that_mismatches_leaves_nothing() {
        tus().header("Upload-Length", 10).header("Upload-Checksum", checksum(ChecksumAlgorithm.MD5, new byte[3]))
                .contentType(Tus.OFFSET_STREAM).body(new byte[10]).post("/files").then().statusCode(460);
    }

    /**
     * Issue 7 item 18: a digest that decodes but has the wrong length for its algorithm can never match: 460 like any
     * other mismatch, nothing stored (400 stays for malformed headers and unsupported algorithms).
     */
    @Test
    void a_digest_of_the_wrong_length_is_a_mismatch() {
        byte[] data = Tus.randomBytes(100, 4);
        String path = Tus.create(data.length);
        String sha256OfSha1Length = "sha256 " + Base64.getEncoder().encodeToString(ChecksumAlgorithm.SHA1.newDigest()
                .digest(data));
        for (String header : new String[] { "sha1 AAAA", sha256OfSha1Length }) {
            tus().header("Upload-Offset", 0).header("Upload-Checksum", header).contentType(Tus.OFFSET_STREAM).body(data)
                    .patch(path).then().statusCode(460).body(startsWith("ERR_CHECKSUM_MISMATCH"));
            assertEquals(0, Tus.offset(path));
        }
        tus().header("Upload-Length", 10).header("Upload-Checksum", "md5 AAAA").contentType(Tus.OFFSET_STREAM)
                .body(new byte[10]).post("/files").then().statusCode(460).header("Location", nullValue());
        Tus.patch(path, 0, data).then().statusCode(204);
        assertArrayEquals(data, Tus.download(path));
    }

    /** RELIABILITY B13: a checksummed PATCH cut off halfway appends nothing. */
    @Test
    void an_interrupted_checksummed_patch_stores_nothing() throws Exception {
        byte[] data = Tus.randomBytes(20_000, 3);
        String path = Tus.create(data.length);
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.patchHead(path, 0,
                    "Content-Length: 20000\r\nUpload-Checksum: " + checksum(ChecksumAlgorithm.SHA1, data) + "\r\n");
            http.send(Arrays.copyOf(data, 10_000));
            awaitReceived(path, 10_000);
            http.shutdownOutput();
            http.readResponse(Duration.ofSeconds(5));
        }
        awaitUnlocked(path);
        assertEquals(0, Tus.offset(path));
        // The upload is still usable.
        Tus.patch(path, 0, data).then().statusCode(204);
        assertArrayEquals(data, Tus.download(path));
    }

    /** Waits until the server has read {@code bytes} of the body (the filesystem backend writes them to the file). */
    void awaitReceived(String path, long bytes) throws Exception {
        Poll.untilStored(java.nio.file.Path.of("target/test-uploads", Tus.idOf(path)), bytes);
    }

    private static void awaitUnlocked(String path) throws InterruptedException {
        // HEAD takes the upload's lock, so it returns only once the interrupted request has let go.
        Tus.head(path).then().statusCode(200);
    }

    static String checksum(ChecksumAlgorithm algorithm, byte[] data) {
        return algorithm.tusName() + " " + Base64.getEncoder().encodeToString(algorithm.newDigest().digest(data));
    }
}
