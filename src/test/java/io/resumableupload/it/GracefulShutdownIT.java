package io.resumableupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.resumableupload.support.PackagedServer;
import io.resumableupload.support.Poll;
import io.resumableupload.support.RawHttp;
import io.resumableupload.support.Tus;

/**
 * SIGTERM on the packaged server with a PATCH in flight (RELIABILITY B7 on one replica): readiness turns DOWN, new
 * uploads get 503, the PATCH stores what arrived and answers 503, the process exits promptly, and after a restart
 * the upload resumes from the stored offset.
 */
class GracefulShutdownIT {

    private static final int SIZE = 1_000_000;
    private static final int SENT = 300_000;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void sigterm_stores_in_flight_bytes_and_exits() throws Exception {
        byte[] data = Tus.randomBytes(SIZE, 42);
        int port = PackagedServer.freePort();
        Map<String, String> env = Map.of("QUARKUS_SHUTDOWN_DELAY", "3s");
        String path;
        try (PackagedServer server = new PackagedServer("shutdown-it", port, env).start()) {
            path = Tus.pathOf(send(server, "POST", "/files", Map.of("Upload-Length", String.valueOf(SIZE))).headers()
                    .firstValue("Location").orElseThrow());
            try (RawHttp patch = RawHttp.connect(server.port())) {
                patch.patchHead(path, 0, "Content-Length: " + SIZE + "\r\n").send(Arrays.copyOf(data, SENT));
                Poll.untilStored(server.storageFile(path), SENT);
                long signalled = System.nanoTime();
                server.terminate();

                RawHttp.Response response = patch.readResponse(Duration.ofSeconds(5));
                assertNotNull(response, "the in-flight PATCH got no answer");
                assertEquals(503, response.status());
                assertTrue(millisSince(signalled) < 2_000, "PATCH answered after " + millisSince(signalled) + " ms");

                // Within the shutdown delay the port still answers: not ready, and no new uploads.
                assertEquals(503, server.getManagement("/q/health/ready"));
                assertEquals(200, server.getManagement("/q/health/live"));
                assertEquals(503, send(server, "POST", "/files", Map.of("Upload-Length", "10")).statusCode());

                // 143 = 128 + SIGTERM: how a JVM ends after its shutdown hooks ran on a signal.
                int exit = server.awaitExit(Duration.ofSeconds(20));
                assertTrue(exit == 0 || exit == 143, "exit code " + exit);
                assertTrue(millisSince(signalled) < 10_000, "exit took " + millisSince(signalled) + " ms");
            }
        }
        try (PackagedServer server = new PackagedServer("shutdown-it", port, Map.of()).start()) {
            HttpResponse<Void> head = send(server, "HEAD", path, Map.of());
            assertEquals(200, head.statusCode());
            assertEquals(String.valueOf(SENT), head.headers().firstValue("Upload-Offset").orElseThrow());
            HttpResponse<Void> patch = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                    .header("Tus-Resumable", "1.0.0").header("Upload-Offset", String.valueOf(SENT))
                    .header("Content-Type", "application/offset+octet-stream")
                    .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOfRange(data, SENT, SIZE))).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(204, patch.statusCode());
            byte[] stored = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).build(),
                    HttpResponse.BodyHandlers.ofByteArray()).body();
            assertEquals(Tus.sha256(data), Tus.sha256(stored));
        }
    }

    private HttpResponse<Void> send(PackagedServer server, String method, String path, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Tus-Resumable", "1.0.0").method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding());
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
