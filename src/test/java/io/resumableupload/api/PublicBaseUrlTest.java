package io.resumableupload.api;

import static io.resumableupload.support.Tus.tus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/**
 * {@code tus.location.base-url} (issue 7 item 12): every Location is built from it, whatever the request says (no
 * Host at all, another Host, X-Forwarded-*), and the URLs it hands out are accepted back in Upload-Concat.
 */
@QuarkusTest
@TestProfile(PublicBaseUrlTest.BehindAProxy.class)
class PublicBaseUrlTest {

    static final String BASE = "https://uploads.example.com/api";

    public static class BehindAProxy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tus.location.base-url", BASE + "/");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @ParameterizedTest
    @ValueSource(strings = { "HTTP/1.0\r\n", "HTTP/1.0\r\nHost:\r\n", "HTTP/1.1\r\nHost: internal:8080\r\n"
            + "X-Forwarded-Host: evil.test\r\nX-Forwarded-Proto: http\r\n" })
    void location_is_built_from_the_base_url(String versionAndHost) throws Exception {
        try (RawHttp http = RawHttp.connect(root.getPort())) {
            http.send("POST /files " + versionAndHost + "Tus-Resumable: 1.0.0\r\nUpload-Length: 1\r\n\r\n");
            RawHttp.Response response = http.readResponse(Duration.ofSeconds(10));
            assertEquals(201, response.status(), response.head());
            String location = response.header("Location");
            assertTrue(location.matches("https://uploads\\.example\\.com/api/files/[A-Za-z0-9_-]+"), location);
        }
    }

    /** A final may name its partials by the URLs handed out (under the base URL's path) or by the server's own paths. */
    @Test
    void upload_concat_accepts_the_urls_handed_out() {
        byte[] a = Tus.randomBytes(300, 1);
        byte[] b = Tus.randomBytes(200, 2);
        String urlA = tus().header("Upload-Concat", "partial").header("Upload-Length", a.length).post("/files").then()
                .statusCode(201).extract().header("Location");
        String urlB = tus().header("Upload-Concat", "partial").header("Upload-Length", b.length).post("/files").then()
                .statusCode(201).extract().header("Location");
        String pathA = "/files/" + Tus.idOf(URI.create(urlA).getPath());
        String pathB = "/files/" + Tus.idOf(URI.create(urlB).getPath());
        Tus.patch(pathA, 0, a).then().statusCode(204);
        Tus.patch(pathB, 0, b).then().statusCode(204);
        String fin = tus().header("Upload-Concat", "final;" + urlA + " " + pathB + " /api" + pathA).post("/files")
                .then().statusCode(201).extract().header("Location");
        assertTrue(fin.startsWith(BASE + "/files/"), fin);
        byte[] expected = new byte[800];
        System.arraycopy(a, 0, expected, 0, 300);
        System.arraycopy(b, 0, expected, 300, 200);
        System.arraycopy(a, 0, expected, 500, 300);
        assertArrayEquals(expected, Tus.download("/files/" + Tus.idOf(URI.create(fin).getPath())));
    }

    @ParameterizedTest
    @ValueSource(strings = { "uploads.example.com", "/api", "ftp://uploads.example.com", "https://u:p@uploads.example.com",
            "https://uploads.example.com/?x=1", "https://uploads.example.com/#f" })
    void the_server_refuses_to_start_with_a_base_url_that_is_not_one(String url) {
        assertThrows(IllegalStateException.class, () -> UploadUrls.validBaseUrl(URI.create(url)));
    }

    @Test
    void base_urls_are_accepted_with_or_without_a_path() {
        for (String url : new String[] { "https://uploads.example.com", "http://10.0.0.1:8080/", BASE }) {
            assertEquals(URI.create(url), UploadUrls.validBaseUrl(URI.create(url)));
        }
    }
}
