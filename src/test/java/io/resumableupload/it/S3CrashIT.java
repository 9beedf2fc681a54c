package io.resumableupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.resumableupload.support.PackagedServer;
import io.resumableupload.support.S3FaultProxy;
import io.resumableupload.support.S3Proxy;
import io.resumableupload.support.SharedDatabase;
import io.resumableupload.support.Tus;

/**
 * kill -9 of the server at the two worst moments of an S3 append, made exact by a proxy in front of s3proxy that lets
 * S3 carry out the request and kills the server before it hears the answer: after a part is stored but before the
 * offset compare-and-set, and after the multipart upload is completed but before the compare-and-set. The client
 * resumes at the offset HEAD reports and the upload ends with the right bytes and nothing left over in the bucket.
 */
class S3CrashIT {

    private static final int MIB = 1024 * 1024;
    private static final String PREFIX = "crash/";

    private static S3Proxy s3;
    private static S3FaultProxy faults;
    private static SharedDatabase database;
    private static final int port;
    private static PackagedServer server;
    private static int cutsBefore;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static {
        try {
            port = PackagedServer.freePort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Proxy.start("crash-s3proxy");
        faults = new S3FaultProxy(s3.port());
        database = new SharedDatabase("crash");
        server = server().start();
    }

    private static PackagedServer server() throws IOException {
        Map<String, String> env = new HashMap<>(database.env());
        env.putAll(s3.env(PREFIX));
        env.put("TUS_STORAGE_S3_ENDPOINT", faults.endpoint());
        env.put("TUS_STORAGE_S3_SPOOL_DIRECTORY", "target/crash-spool");
        // Checkpoints as often as parts complete, so the kill can also come after an offset was committed mid-PATCH.
        env.put("TUS_PATCH_CHECKPOINT_INTERVAL", "5M");
        return new PackagedServer("crash-server", port, env);
    }

    @AfterEach
    void forwardEverything() {
        faults.rule((method, target) -> S3FaultProxy.Action.FORWARD);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        faults.close();
        s3.close();
        database.close();
    }

    @Test
    void a_kill_between_a_stored_part_and_the_offset_compare_and_set_loses_nothing() throws Exception {
        // The second part's upload: S3 stores it, the server dies before recording its ETag or moving the offset.
        int[] parts = { 0 };
        killOn((method, target) -> method.equals("PUT") && target.contains("partNumber=") && ++parts[0] == 2);
        byte[] data = Tus.randomBytes(12 * MIB + 5, 1);
        String path = create(data.length);
        assertThrows(IOException.class, () -> patch(path, 0, data));
        long offset = restartAndHead(path);
        assertTrue(offset % (5 * MIB) == 0 && offset < 10 * MIB, "offset " + offset + " is not a stored part boundary");
        resumeAndVerify(path, offset, data);
    }

    @Test
    void a_kill_between_completing_the_object_and_the_offset_compare_and_set_loses_nothing() throws Exception {
        // CompleteMultipartUpload is POST ?uploadId=...; CreateMultipartUpload is POST ?uploads.
        killOn((method, target) -> method.equals("POST") && target.contains("uploadId="));
        byte[] data = Tus.randomBytes(11 * MIB + 3, 2);
        String path = create(data.length);
        assertThrows(IOException.class, () -> patch(path, 0, data));
        long offset = restartAndHead(path);
        assertTrue(offset < data.length, "the compare-and-set cannot have happened");
        // The object is complete in the bucket already; the resumed append must rebuild from it, not fail on the
        // multipart upload that no longer exists.
        assertEquals(List.of(PREFIX + Tus.idOf(path)), s3.keys(PREFIX + Tus.idOf(path)).stream()
                .filter(k -> !k.contains(".tail.")).toList());
        resumeAndVerify(path, offset, data);
    }

    private static void killOn(java.util.function.BiPredicate<String, String> when) {
        faults.onCut(() -> {
            server.kill();
            try {
                server.awaitExit(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        faults.rule((method, target) -> when.test(method, target) ? S3FaultProxy.Action.FORWARD_THEN_CUT
                : S3FaultProxy.Action.FORWARD);
    }

    private static long restartAndHead(String path) throws Exception {
        // The client sees the connection drop a moment before the process is reaped.
        server.awaitExit(Duration.ofSeconds(10));
        assertEquals(1, faults.cuts() - cutsBefore, "the server was not killed at the chosen request");
        cutsBefore = faults.cuts();
        faults.rule((method, target) -> S3FaultProxy.Action.FORWARD);
        server = server().start();
        HttpResponse<Void> head = send(HttpRequest.newBuilder(uri(path)).method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, head.statusCode());
        return Long.parseLong(head.headers().firstValue("Upload-Offset").orElseThrow());
    }

    private static void resumeAndVerify(String path, long offset, byte[] data) throws Exception {
        byte[] rest = java.util.Arrays.copyOfRange(data, (int) offset, data.length);
        HttpResponse<Void> patched = patch(path, offset, rest);
        assertEquals(204, patched.statusCode());
        assertEquals(String.valueOf(data.length), patched.headers().firstValue("Upload-Offset").orElseThrow());
        HttpResponse<byte[]> got = http.send(HttpRequest.newBuilder(uri(path)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, got.statusCode());
        assertEquals(Tus.sha256(data), Tus.sha256(got.body()));
        String key = PREFIX + Tus.idOf(path);
        assertEquals(List.of(key), s3.keys(key), "tails left behind");
        assertEquals(List.of(), s3.multipartUploads(key), "multipart uploads left behind");
    }

    private static String create(long length) throws Exception {
        HttpResponse<Void> created = send(HttpRequest.newBuilder(uri("/files")).header("Upload-Length", String.valueOf(length))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(201, created.statusCode());
        return Tus.pathOf(created.headers().firstValue("Location").orElseThrow());
    }

    private static HttpResponse<Void> patch(String path, long offset, byte[] body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .header("Upload-Offset", String.valueOf(offset)).header("Content-Type", Tus.OFFSET_STREAM)
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private static HttpResponse<Void> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.header("Tus-Resumable", "1.0.0").build(), HttpResponse.BodyHandlers.discarding());
    }

    private static URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
