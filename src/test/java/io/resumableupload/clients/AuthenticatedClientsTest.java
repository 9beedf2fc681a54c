package io.resumableupload.clients;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.client.ChecksumAlgorithm;
import io.resumableupload.client.TusClientException;
import io.resumableupload.client.UploadOptions;
import io.resumableupload.client.UploadResult;
import io.resumableupload.client.UploadSource;
import io.resumableupload.support.JwtProfile;
import io.resumableupload.support.TestTokens;
import io.resumableupload.support.Tus;
import io.tus.java.client.TusClient;
import io.tus.java.client.TusUpload;
import io.tus.java.client.TusUploader;

/** tus.auth.mode=jwt with real clients: tus-java-client and ours upload with a bearer token, and are refused without. */
@QuarkusTest
@TestProfile(JwtProfile.class)
class AuthenticatedClientsTest {

    @TestHTTPResource("/files/")
    URL endpoint;

    @Test
    void tus_java_client_uploads_with_a_token() throws Exception {
        byte[] data = Tus.randomBytes(1_500_000, 11);
        TusClient client = new TusClient();
        client.setUploadCreationURL(endpoint);
        client.setHeaders(Map.of("Authorization", TestTokens.bearer("java-client-user")));
        TusUploader uploader = client.createUpload(new TusUpload(file(data).toFile()));
        uploader.setChunkSize(256 * 1024);
        while (uploader.uploadChunk() > -1) {
            // keep going
        }
        uploader.finish();
        String path = uploader.getUploadURL().getPath();
        byte[] stored = given().header("Authorization", TestTokens.bearer("java-client-user")).get(path).then()
                .statusCode(200).extract().asByteArray();
        assertEquals(Tus.sha256(data), Tus.sha256(stored));
        given().header("Authorization", TestTokens.bearer("someone-else")).get(path).then().statusCode(404);
    }

    @Test
    void our_client_uploads_in_parallel_with_checksums_and_a_token() throws Exception {
        byte[] data = Tus.randomBytes(3_000_000, 12);
        try (var client = io.resumableupload.client.TusClient.builder(endpoint.toURI())
                .header("Authorization", TestTokens.bearer("our-client-user")).parallelUploads(3)
                .checksum(ChecksumAlgorithm.SHA256).build()) {
            UploadResult result = client.upload(UploadSource.of(file(data)), UploadOptions.defaults());
            byte[] stored = given().header("Authorization", TestTokens.bearer("our-client-user"))
                    .get(result.url().getPath()).then().statusCode(200).extract().asByteArray();
            assertEquals(Tus.sha256(data), Tus.sha256(stored));
        }
    }

    @Test
    void our_client_without_a_token_fails_with_401_and_does_not_retry_forever() throws Exception {
        byte[] data = Tus.randomBytes(1000, 13);
        try (var client = io.resumableupload.client.TusClient.builder(endpoint.toURI()).build()) {
            TusClientException e = assertThrows(TusClientException.class,
                    () -> client.upload(UploadSource.of(file(data)), UploadOptions.defaults()));
            assertEquals(401, e.status());
        }
    }

    private static Path file(byte[] data) throws Exception {
        Path file = Files.createTempFile("authenticated", ".bin");
        Files.write(file, data);
        file.toFile().deleteOnExit();
        return file;
    }

}
