package io.resumableupload.support;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** RestAssured helpers preset for TUS: Tus-Resumable on every request, raw byte bodies. */
public final class Tus {

    public static final String OFFSET_STREAM = "application/offset+octet-stream";

    private static final RestAssuredConfig RAW_BODIES = RestAssuredConfig.config().encoderConfig(
            EncoderConfig.encoderConfig().appendDefaultContentCharsetToContentTypeIfUndefined(false)
                    .encodeContentTypeAs(OFFSET_STREAM, io.restassured.http.ContentType.BINARY));

    private Tus() {
    }

    /** A request with Tus-Resumable: 1.0.0. */
    public static RequestSpecification tus() {
        return given().config(RAW_BODIES).header("Tus-Resumable", "1.0.0");
    }

    /** Creates an upload of {@code length} bytes and returns its path ({@code /files/<id>}). */
    public static String create(long length) {
        return pathOf(tus().header("Upload-Length", length).post("/files").then().statusCode(201).extract()
                .header("Location"));
    }

    /** Creates an upload with a deferred length and returns its path. */
    public static String createDeferred() {
        return pathOf(tus().header("Upload-Defer-Length", "1").post("/files").then().statusCode(201).extract()
                .header("Location"));
    }

    public static Response patch(String path, long offset, byte[] body) {
        return tus().header("Upload-Offset", offset).contentType(OFFSET_STREAM).body(body).patch(path);
    }

    public static Response head(String path) {
        return tus().head(path);
    }

    public static long offset(String path) {
        return Long.parseLong(head(path).then().statusCode(200).extract().header("Upload-Offset"));
    }

    /** Uploads {@code data} in one PATCH and checks the 204. */
    public static String upload(byte[] data) {
        String path = create(data.length);
        patch(path, 0, data).then().statusCode(204);
        assertEquals(data.length, offset(path));
        return path;
    }

    /** The path part of a Location URL. */
    public static String pathOf(String location) {
        return java.net.URI.create(location).getPath();
    }

    public static String idOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    public static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bytes of a finished upload, through GET. */
    public static byte[] download(String path) {
        return given().get(path).then().statusCode(200).extract().asByteArray();
    }
}
