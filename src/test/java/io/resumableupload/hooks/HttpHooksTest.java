package io.resumableupload.hooks;

import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.HookReceiver;
import io.resumableupload.support.HookReceiver.Answer;
import io.resumableupload.support.Metrics;
import io.resumableupload.support.PackagedServer;
import io.resumableupload.support.Poll;
import io.resumableupload.support.Tus;
import io.vertx.core.json.JsonObject;

/**
 * An unchanged tusd hook receiver (tusd v2's JSON in, tusd's JSON out) drives the server: pre-create rejects and
 * changes, pre-access and pre-terminate rejections, post-receive StopUpload, signed requests, and post-* events
 * delivered once each, in order, with a stable Idempotency-Key, also after the receiver failed.
 */
@QuarkusTest
@TestProfile(HttpHooksTest.Profile.class)
class HttpHooksTest {

    static final String SECRET = "hook-secret-for-tests";
    static final HookReceiver RECEIVER = receiver();
    /** Post-finish attempts to fail (503) per upload id, for the receiver-outage test. */
    static final Map<String, AtomicInteger> FAIL_FINISH = new ConcurrentHashMap<>();

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tus.hooks.http.url", RECEIVER.url(),
                    "tus.hooks.http.events", "pre-create,post-create,pre-access,post-receive,pre-finish,post-finish,"
                            + "pre-terminate,post-terminate",
                    "tus.hooks.http.secret", SECRET,
                    "tus.hooks.http.forward-headers", "X-Tenant",
                    "tus.hooks.progress-interval", "200ms",
                    "tus.hooks.outbox.initial-backoff", "200ms",
                    "tus.hooks.outbox.max-backoff", "1s",
                    "tus.hooks.http.timeout", "3s",
                    "tus.metrics.tusd-names", "true");
        }
    }

    private static HookReceiver receiver() {
        try {
            HookReceiver receiver = new HookReceiver(PackagedServer.freePort());
            receiver.answer(HttpHooksTest::decide);
            return receiver;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The receiver's rules, keyed on the upload's metadata, as a real receiver keys on filetype or user. */
    static Answer decide(HookReceiver.Received request) {
        JsonObject metadata = request.upload().getJsonObject("MetaData");
        String rule = metadata.getString("rule", "");
        switch (request.type()) {
            case "pre-create":
                if (rule.equals("reject")) {
                    return Answer.json("{\"RejectUpload\": true, \"HTTPResponse\": {\"StatusCode\": 403, "
                            + "\"Body\": \"no such files here\", \"Header\": {\"X-Reason\": \"policy\"}}}");
                }
                if (rule.equals("rename")) {
                    return Answer.json("{\"ChangeFileInfo\": {\"ID\": \"" + metadata.getString("want-id")
                            + "\", \"MetaData\": {\"filename\": \"renamed.txt\", \"checked\": \"yes\"}}}");
                }
                if (rule.equals("fail")) {
                    return new Answer(500, "receiver broke");
                }
                return Answer.OK;
            case "pre-access":
                return rule.equals("deny-access") ? Answer.json("{\"RejectUpload\": true}") : Answer.OK;
            case "pre-terminate":
                return rule.equals("keep") ? Answer.json("{\"RejectTermination\": true, \"HTTPResponse\": "
                        + "{\"Body\": \"this one stays\"}}") : Answer.OK;
            case "post-receive":
                return rule.equals("stop") ? Answer.json("{\"StopUpload\": true}") : Answer.OK;
            case "pre-finish":
                return Answer.json("{\"HTTPResponse\": {\"Header\": {\"X-Finished-By\": \"hook\"}}}");
            case "post-finish":
                AtomicInteger failures = FAIL_FINISH.get(request.uploadId());
                if (failures != null && failures.getAndDecrement() > 0) {
                    return new Answer(503, "receiver is down");
                }
                return Answer.OK;
            default:
                return Answer.OK;
        }
    }

    private static String metadata(String rule) {
        return "rule " + b64(rule);
    }

    private static String b64(String value) {
        return java.util.Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void pre_create_reject_answers_the_hooks_status_body_and_headers_and_creates_nothing() {
        Metrics before = Metrics.scrape();
        tus().header("Upload-Length", 10).header("Upload-Metadata", metadata("reject")).post("/files").then()
                .statusCode(403).header("X-Reason", "policy").body(equalTo("no such files here"));
        Metrics after = Metrics.scrape();
        assertEquals(0, after.since(before, "tus_uploads_created_total"));
        // The HTTP hook (InProcessHooksTest's bean exists only under its own profile).
        assertEquals(1, after.since(before, "tus_hook_invocations_total{hook=\"pre-create\"}"));
    }

    @Test
    void pre_create_changes_the_id_and_the_metadata() {
        String wanted = "chosen-" + UUID.randomUUID();
        String location = tus().header("Upload-Length", 4)
                .header("Upload-Metadata", metadata("rename") + ",want-id " + b64(wanted) + ",filename " + b64("a.txt"))
                .post("/files").then().statusCode(201).header("Location", endsWith("/files/" + wanted)).extract()
                .header("Location");
        String path = Tus.pathOf(location);
        String metadata = Tus.head(path).then().statusCode(200).extract().header("Upload-Metadata");
        assertTrue(metadata.contains("filename " + b64("renamed.txt")), metadata);
        assertTrue(metadata.contains("checked " + b64("yes")), metadata);
        assertFalse(metadata.contains("rule"), "the hook's metadata replaces the client's: " + metadata);
    }

    @Test
    void pre_create_chosing_an_invalid_id_fails_the_request_and_creates_nothing() {
        Metrics before = Metrics.scrape();
        tus().header("Upload-Length", 4).header("Upload-Metadata", metadata("rename") + ",want-id " + b64("../etc"))
                .post("/files").then().statusCode(502).body(containsString("ERR_HOOK_FAILED"));
        assertEquals(0, Metrics.scrape().since(before, "tus_uploads_created_total"));
    }

    @Test
    void a_failing_pre_create_hook_answers_502_and_creates_nothing() {
        Metrics before = Metrics.scrape();
        tus().header("Upload-Length", 4).header("Upload-Metadata", metadata("fail")).post("/files").then()
                .statusCode(502).body(containsString("ERR_HOOK_FAILED"));
        Metrics after = Metrics.scrape();
        assertEquals(0, after.since(before, "tus_uploads_created_total"));
        assertEquals(1, after.since(before, "tus_hook_failures_total{hook=\"pre-create\"}"));
    }

    @Test
    void pre_access_rejection_refuses_head_patch_get_and_delete() {
        String path = Tus.pathOf(tus().header("Upload-Length", 3).header("Upload-Metadata", metadata("deny-access"))
                .post("/files").then().statusCode(201).extract().header("Location"));
        Tus.head(path).then().statusCode(403);
        Tus.patch(path, 0, Tus.ascii("abc")).then().statusCode(403).body(containsString("ERR_ACCESS_REJECTED"));
        tus().get(path).then().statusCode(403);
        tus().delete(path).then().statusCode(403);
        assertEquals(0, RECEIVER.got("post-terminate", Tus.idOf(path)).size());
    }

    @Test
    void pre_terminate_rejection_keeps_the_upload() {
        String path = Tus.pathOf(tus().header("Upload-Length", 3).header("Upload-Metadata", metadata("keep"))
                .post("/files").then().statusCode(201).extract().header("Location"));
        tus().delete(path).then().statusCode(400).body(equalTo("this one stays"));
        Tus.head(path).then().statusCode(200);
    }

    @Test
    void post_receive_stop_upload_ends_the_patch_and_terminates_the_upload() throws Exception {
        String path = Tus.pathOf(tus().header("Upload-Length", 1_000_000).header("Upload-Metadata", metadata("stop"))
                .post("/files").then().statusCode(201).extract().header("Location"));
        String response = slowPatch(path, 1_000_000);
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
        assertTrue(response.contains("ERR_UPLOAD_STOPPED"), response);
        Tus.head(path).then().statusCode(404);
        String id = Tus.idOf(path);
        Poll.until("post-terminate of the stopped upload", Duration.ofSeconds(10),
                () -> RECEIVER.got("post-terminate", id).size() == 1);
        assertTrue(RECEIVER.got("post-receive", id).size() >= 1);
    }

    /** Sends a PATCH body of {@code length} bytes slowly (1 KiB per 50 ms) until the server answers. */
    static String slowPatch(String path, int length) throws IOException {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("PATCH " + path + " HTTP/1.1\r\nHost: localhost\r\nTus-Resumable: 1.0.0\r\n"
                    + "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: " + length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] chunk = new byte[1024];
            for (int sent = 0; sent < length && in.available() == 0; sent += chunk.length) {
                try {
                    out.write(chunk);
                    out.flush();
                    Thread.sleep(50);
                } catch (IOException e) {
                    break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            byte[] answer = new byte[4096];
            int n = in.read(answer);
            return n <= 0 ? "" : new String(answer, 0, n, StandardCharsets.US_ASCII);
        }
    }

    @Test
    void post_create_and_post_finish_arrive_once_in_order_signed_with_a_stable_event_id() throws Exception {
        byte[] data = Tus.randomBytes(2000, 7);
        String path = Tus.pathOf(tus().header("Upload-Length", data.length).header("X-Tenant", "acme")
                .header("Upload-Metadata", "filename " + b64("report.pdf")).post("/files").then().statusCode(201)
                .extract().header("Location"));
        Tus.patch(path, 0, data).then().statusCode(204).header("X-Finished-By", "hook");
        String id = Tus.idOf(path);
        Poll.until("post-finish", Duration.ofSeconds(10), () -> RECEIVER.got("post-finish", id).size() == 1);
        List<HookReceiver.Received> created = RECEIVER.got("post-create", id);
        List<HookReceiver.Received> finished = RECEIVER.got("post-finish", id);
        assertEquals(1, created.size());
        assertEquals(1, finished.size());
        assertTrue(created.get(0).receivedAtNanos() <= finished.get(0).receivedAtNanos(), "post-create came after post-finish");
        assertNotNull(created.get(0).eventId());
        assertFalse(created.get(0).eventId().equals(finished.get(0).eventId()));

        JsonObject upload = finished.get(0).upload();
        assertEquals(id, upload.getString("ID"));
        assertEquals(2000L, upload.getLong("Size"));
        assertEquals(2000L, upload.getLong("Offset"));
        assertEquals(false, upload.getBoolean("SizeIsDeferred"));
        assertEquals("report.pdf", upload.getJsonObject("MetaData").getString("filename"));
        assertEquals(false, upload.getBoolean("IsPartial"));
        assertEquals(false, upload.getBoolean("IsFinal"));
        assertEquals("filestore", upload.getJsonObject("Storage").getString("Type"));
        JsonObject request = finished.get(0).httpRequest();
        assertEquals("PATCH", request.getString("Method"));
        assertEquals(path, request.getString("URI"));
        assertTrue(request.getJsonObject("Header").containsKey("Tus-Resumable"));
        assertEquals("POST", created.get(0).httpRequest().getString("Method"));

        for (HookReceiver.Received received : List.of(created.get(0), finished.get(0))) {
            long t = Long.parseLong(received.signature().split(",")[0].substring(2));
            assertEquals(HttpHooks.sign(SECRET.getBytes(StandardCharsets.UTF_8), t, received.rawBody()),
                    received.signature(), "the signature does not verify");
        }
    }

    @Test
    void post_finish_is_retried_with_the_same_event_id_until_the_receiver_is_back() throws Exception {
        String path = Tus.create(5);
        String id = Tus.idOf(path);
        FAIL_FINISH.put(id, new AtomicInteger(2));
        Metrics before = Metrics.scrape();
        Tus.patch(path, 0, Tus.ascii("hello")).then().statusCode(204);
        Poll.until("post-finish after the outage", Duration.ofSeconds(20), () -> RECEIVER.got("post-finish", id).size() == 1);
        List<HookReceiver.Received> attempts = RECEIVER.attempts("post-finish", id);
        assertEquals(3, attempts.size(), "two refused attempts and one delivery");
        Set<String> eventIds = Set.copyOf(attempts.stream().map(HookReceiver.Received::eventId).toList());
        assertEquals(1, eventIds.size(), "every retry carries the same Idempotency-Key");
        Metrics after = Metrics.scrape();
        assertEquals(2, after.since(before, "tus_hook_outbox_retries_total"));
        assertEquals(2, after.since(before, "tus_hook_failures_total{hook=\"post-finish\"}"));
    }

    @Test
    void a_zero_length_upload_reports_post_create_then_post_finish() throws Exception {
        String id = Tus.idOf(Tus.create(0));
        Poll.until("post-finish", Duration.ofSeconds(10), () -> RECEIVER.got("post-finish", id).size() == 1);
        assertEquals(1, RECEIVER.got("post-create", id).size());
        assertTrue(RECEIVER.got("post-create", id).get(0).receivedAtNanos() <= RECEIVER.got("post-finish", id).get(0)
                .receivedAtNanos());
    }

    /**
     * The post-create hook learns a new upload's id while its creating request may still stream the body: anyone it
     * tells could address the upload then, so that body is stored under the lock like any PATCH (without such a hook it
     * is not: CreationTest).
     */
    @Test
    void creation_with_upload_takes_the_lock_when_a_hook_knows_the_id() {
        String locks = "tus_lock_acquire_seconds_count";
        Metrics before = Metrics.scrape();
        tus().header("Upload-Length", 100).contentType(Tus.OFFSET_STREAM).body(Tus.randomBytes(50, 7)).post("/files")
                .then().statusCode(201).header("Upload-Offset", "50");
        assertEquals(1, Metrics.scrape().total(locks) - before.total(locks));
    }

    @Test
    void termination_reports_post_terminate_once() throws Exception {
        String path = Tus.create(5);
        tus().delete(path).then().statusCode(204);
        String id = Tus.idOf(path);
        Poll.until("post-terminate", Duration.ofSeconds(10), () -> RECEIVER.got("post-terminate", id).size() == 1);
        assertEquals(1, RECEIVER.got("post-create", id).size());
    }

    @Test
    void tusd_metric_names_are_exposed_with_help_and_move() {
        Metrics before = Metrics.scrape();
        byte[] data = Tus.randomBytes(3000, 9);
        Tus.upload(data);
        Tus.head("/files/no-such-upload-here").then().statusCode(404);
        Metrics after = Metrics.scrape();
        assertEquals(1, after.since(before, "tusd_errors_total{code=\"ERR_UPLOAD_NOT_FOUND\",status=\"404\"}"));
        assertEquals(1, after.since(before, "tusd_uploads_created"));
        assertEquals(1, after.since(before, "tusd_uploads_finished"));
        assertEquals(3000, after.since(before, "tusd_bytes_received"));
        assertEquals(1, after.since(before, "tusd_requests_total{method=\"PATCH\"}"));
        assertTrue(after.since(before, "tusd_hook_invocations_total{hooktype=\"pre-create\"}") >= 1);
        int port = ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
        String text = io.restassured.RestAssured.given().get("http://localhost:" + port + "/q/metrics").then()
                .statusCode(200).extract().asString();
        for (String name : List.of("tusd_requests_total", "tusd_errors_total", "tusd_bytes_received",
                "tusd_uploads_created", "tusd_uploads_finished", "tusd_uploads_terminated", "tusd_connections_open",
                "tusd_hook_invocations_total", "tusd_hook_errors_total", "tus_hook_outbox_depth",
                "tus_hook_outbox_oldest_age_seconds")) {
            // Counters are described under their name without _total.
            String described = name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
            assertTrue(text.contains("# HELP " + described + " "), "no HELP for " + name);
        }
        for (String line : text.split("\n")) {
            // Ours; Netty's own meters (netty_eventexecutor_tasks_pending) come without a description.
            if (line.startsWith("# HELP tus")) {
                assertTrue(line.split(" ", 4).length == 4 && !line.split(" ", 4)[3].isBlank(), "empty HELP: " + line);
            }
        }
    }
}
