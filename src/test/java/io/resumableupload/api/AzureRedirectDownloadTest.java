package io.resumableupload.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.AzureProfile;
import io.resumableupload.support.Azurite;
import io.resumableupload.support.Tus;

/** {@code tus.download.redirect=true}: GET answers 302 to a SAS URL that serves the bytes with our headers. */
@QuarkusTest
@TestProfile(AzureRedirectDownloadTest.Profile.class)
@EnabledIf(value = "io.resumableupload.support.Azurite#runnable", disabledReason = Azurite.NEEDS_NODE)
class AzureRedirectDownloadTest {

    public static class Profile extends AzureProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("tus.download.redirect", "true");
            return config;
        }
    }

    @Test
    void a_download_redirects_to_a_sas_url_with_the_servers_headers() throws Exception {
        byte[] data = Tus.randomBytes(6 * 1024 * 1024 + 5, 7);
        String metadata = "filetype " + b64("text/html") + ",filename " + b64("page.html");
        String path = Tus.pathOf(Tus.tus().header("Upload-Length", data.length).header("Upload-Metadata", metadata)
                .post("/files").then().statusCode(201).extract().header("Location"));
        Tus.patch(path, 0, data).then().statusCode(204);

        String location = given().redirects().follow(false).get(path).then().statusCode(302).extract().header("Location");
        assertTrue(location.contains("sig="), location);
        HttpResponse<byte[]> whole = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(location)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, whole.statusCode());
        assertArrayEquals(data, whole.body());
        // The type stays the upload's, but never inline HTML: the server's own Content-Disposition rides along.
        assertEquals("attachment; filename=\"page.html\"; filename*=UTF-8''page.html",
                whole.headers().firstValue("Content-Disposition").orElseThrow());
        HttpResponse<byte[]> range = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(location))
                .header("Range", "bytes=100-199").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, range.statusCode());
        assertArrayEquals(Arrays.copyOfRange(data, 100, 200), range.body());
        // Unfinished uploads are still refused by the server itself.
        String unfinished = Tus.create(10);
        given().redirects().follow(false).get(unfinished).then().statusCode(409);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
