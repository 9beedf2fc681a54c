package io.resumableupload.storage.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.resumableupload.storage.StorageUnavailableException;
import io.resumableupload.storage.gcs.GcsApi.ObjectInfo;
import io.resumableupload.storage.gcs.GcsApi.PreconditionFailedException;

/**
 * The SDK adapter ({@link SdkGcsApi}, as {@link SdkGcsApi#connect} builds it for an endpoint) over real HTTP against a
 * scripted server that answers as GCS's JSON API documents: the part of the adapter no emulator here exercises
 * (the Firebase emulator ignores preconditions and refuses compose, see {@code GcsSdkEmulatorTest}). It checks the
 * requests the adapter sends (the generation preconditions, compose's sources) and what it makes of GCS's answers
 * (412 → {@link PreconditionFailedException}, 404, 5xx → {@link StorageUnavailableException}). It runs the SDK's
 * HTTP transport and JSON parsing (the pinned google-http-client), but the answers are ours: it proves the adapter
 * against GCS's documented behaviour, not GCS.
 */
class GcsSdkWireTest {

    private static final String BUCKET = "wire-bucket";
    private static final String PRECONDITION_FAILED = """
            {"error": {"code": 412, "message": "At least one of the pre-conditions you specified did not hold.",
             "errors": [{"message": "At least one of the pre-conditions you specified did not hold.",
                         "domain": "global", "reason": "conditionNotMet", "locationType": "header",
                         "location": "If-Match"}]}}""";

    /** One scripted answer. */
    private record Answer(int status, String json, String location) {
        Answer(int status, String json) {
            this(status, json, null);
        }
    }

    private interface Script {
        Answer answer(String method, String target, String body);
    }

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private volatile Script script = (method, target, body) -> new Answer(404,
            "{\"error\": {\"code\": 404, \"message\": \"No such object\"}}");
    private SdkGcsApi api;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
        api = SdkGcsApi.connect(BUCKET, Optional.of(URI.create("http://127.0.0.1:" + server.getAddress().getPort())), 1);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
            in = new GZIPInputStream(in);
        }
        String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        String target = exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        requests.add(exchange.getRequestMethod() + " " + target);
        bodies.add(body);
        Answer answer = script.answer(exchange.getRequestMethod(), target, body);
        byte[] json = answer.json().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        if (answer.location() != null) {
            exchange.getResponseHeaders().set("Location", answer.location());
        }
        exchange.sendResponseHeaders(answer.status(), json.length == 0 ? -1 : json.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(json);
        }
    }

    private String only() {
        assertEquals(1, requests.size(), requests.toString());
        return requests.get(0);
    }

    private static String object(String name, long size, long generation) {
        return "{\"kind\": \"storage#object\", \"bucket\": \"" + BUCKET + "\", \"name\": \"" + name + "\", \"size\": \""
                + size + "\", \"generation\": \"" + generation + "\", \"metageneration\": \"1\"}";
    }

    @Test
    void aCreateOnlyIfAbsentSendsIfGenerationMatch0AndA412IsAPreconditionFailure() {
        script = (method, target, body) -> new Answer(412, PRECONDITION_FAILED);

        assertThrows(PreconditionFailedException.class,
                () -> api.create("u.seg.0", new ByteArrayInputStream(new byte[10]), 10, "text/plain", 0));

        String request = only();
        assertTrue(request.startsWith("POST /upload/storage/v1/b/" + BUCKET + "/o?"), request);
        assertTrue(request.contains("ifGenerationMatch=0"), request);
    }

    @Test
    void aCreateOverAGenerationSendsThatGeneration() {
        script = (method, target, body) -> new Answer(412, PRECONDITION_FAILED);

        assertThrows(PreconditionFailedException.class,
                () -> api.create("u.seg.0", new ByteArrayInputStream(new byte[10]), 10, "text/plain", 1_700_000_000_123L));

        assertTrue(only().contains("ifGenerationMatch=1700000000123"), only());
    }

    @Test
    void aPreconditionFailingAtTheEndOfTheUploadIsAPreconditionFailureToo() {
        // The session starts (200 and its URL), the object changes meanwhile, and the final request answers 412.
        script = (method, target, body) -> method.equals("POST")
                ? new Answer(200, "", "http://127.0.0.1:" + server.getAddress().getPort()
                        + "/upload/storage/v1/b/" + BUCKET + "/o?uploadType=resumable&upload_id=s1")
                : new Answer(412, PRECONDITION_FAILED);

        assertThrows(PreconditionFailedException.class,
                () -> api.create("u.seg.0", new ByteArrayInputStream(new byte[10]), 10, "text/plain", 0));

        assertEquals(2, requests.size(), requests.toString());
        assertTrue(requests.get(1).startsWith("PUT /upload/storage/v1/b/" + BUCKET + "/o?uploadType=resumable&upload_id=s1"),
                requests.toString());
    }

    @Test
    void aConditionalDeleteSendsTheGenerationAndA412IsAPreconditionFailure() {
        script = (method, target, body) -> new Answer(412, PRECONDITION_FAILED);

        assertThrows(PreconditionFailedException.class, () -> api.delete("u.seg.0", 42L));

        assertEquals("DELETE /storage/v1/b/" + BUCKET + "/o/u.seg.0?ifGenerationMatch=42", only());
    }

    @Test
    void anUnconditionalDeleteOfAMissingObjectIsNoError() throws IOException {
        api.delete("gone", null);

        assertEquals("DELETE /storage/v1/b/" + BUCKET + "/o/gone", only());
    }

    @Test
    void composeSendsItsSourcesAndTheTargetPrecondition() throws IOException {
        script = (method, target, body) -> new Answer(200, object("u", 30, 77));

        ObjectInfo composed = api.compose(List.of("u.seg.0", "u.seg.10", "u.seg.0"), "u", "video/mp4", 0L);

        assertEquals(new ObjectInfo("u", 30, 77), composed);
        assertEquals("POST /storage/v1/b/" + BUCKET + "/o/u/compose?ifGenerationMatch=0", only());
        String body = bodies.get(0).replaceAll("\\s", "");
        assertTrue(body.contains("\"sourceObjects\":[{\"name\":\"u.seg.0\"},{\"name\":\"u.seg.10\"},{\"name\":\"u.seg.0\"}]"),
                body);
        assertTrue(body.contains("\"contentType\":\"video/mp4\""), body);
    }

    @Test
    void composeWithoutAConditionSendsNone() throws IOException {
        script = (method, target, body) -> new Answer(200, object("u", 30, 78));

        api.compose(List.of("u.seg.0"), "u", "video/mp4", null);

        assertFalse(only().contains("ifGenerationMatch"), only());
    }

    @Test
    void aComposeLosingItsRaceIsAPreconditionFailure() {
        script = (method, target, body) -> new Answer(412, PRECONDITION_FAILED);

        assertThrows(PreconditionFailedException.class, () -> api.compose(List.of("u.seg.0"), "u.seg.0", "video/mp4", 5L));

        assertTrue(only().endsWith("/compose?ifGenerationMatch=5"), only());
    }

    @Test
    void getReadsSizeAndGenerationAnd404IsEmpty() throws IOException {
        script = (method, target, body) -> target.contains("/o/there")
                ? new Answer(200, object("there", 123, 1_700_000_000_456L))
                : new Answer(404, "{\"error\": {\"code\": 404, \"message\": \"No such object\"}}");

        assertEquals(Optional.of(new ObjectInfo("there", 123, 1_700_000_000_456L)), api.get("there"));
        assertEquals(Optional.empty(), api.get("missing"));
    }

    @Test
    void aServerErrorIsStorageUnavailableWithTheStatus() {
        script = (method, target, body) -> new Answer(503, "{\"error\": {\"code\": 503, \"message\": \"Backend Error\"}}");

        StorageUnavailableException e = assertThrows(StorageUnavailableException.class, () -> api.get("x"));

        assertTrue(e.getMessage().startsWith("reading x failed: 503"), e.getMessage());
    }
}
