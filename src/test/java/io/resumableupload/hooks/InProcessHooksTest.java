package io.resumableupload.hooks;

import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.resumableupload.support.Metrics;
import io.resumableupload.support.Poll;
import io.resumableupload.support.Tus;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;

/**
 * In-process hooks: CDI beans at the blocking points (pre-create, pre-access, pre-finish, pre-terminate) and an
 * observer of post-receive that stops an upload. The beans act only on uploads whose metadata names them, so the
 * other test classes, which would see these beans too, are untouched; and they exist only under this class's profile,
 * so that the other classes run as an application without hooks does (where a new upload's id is known to nobody but
 * its creating request, see {@code Hooks.revealsNewIds}).
 */
@QuarkusTest
@TestProfile(InProcessHooksTest.Profile.class)
class InProcessHooksTest {

    @TestHTTPResource("/")
    URL root;

    @Inject
    Vertx vertx;

    @Inject
    AgroalDataSource dataSource;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // The reset test's PATCH must be read ahead (its bytes are kept from the start): pinned, not the default.
            return Map.of("test.in-process-hooks", "true", "tus.patch.read-ahead-max-size", "256K");
        }
    }

    private static String rule(String rule) {
        return "inproc " + Base64.getEncoder().encodeToString(rule.getBytes(StandardCharsets.UTF_8));
    }

    private static String ruleOf(UploadInfo upload) {
        return upload.metadata().getOrDefault("inproc", "");
    }

    /** The application's hooks. */
    @Singleton
    @Priority(10)
    @IfBuildProperty(name = "test.in-process-hooks", stringValue = "true")
    public static class AppHooks implements PreCreateHook, PreAccessHook, PreFinishHook, PreTerminateHook {

        @Override
        public HookResponse preCreate(HookEvent event) {
            switch (ruleOf(event.upload())) {
                case "quota":
                    return HookResponse.reject(413, "quota exceeded for this tenant").withHeader("X-Quota", "0");
                case "name-it":
                    return HookResponse.PROCEED.withId("app-" + event.upload().metadata().get("ticket"))
                            .withMetadata(Map.of("inproc", "named", "owner-team", "blue"));
                case "throw":
                    throw new IllegalStateException("a pre-create bean failed on purpose");
                default:
                    return HookResponse.PROCEED;
            }
        }

        /** Counted down when a request for an upload with the rule "hold" reaches pre-access, which then waits. */
        static volatile CountDownLatch holding = new CountDownLatch(1);
        /** Lets such a request go on. */
        static volatile CountDownLatch release = new CountDownLatch(1);

        @Override
        public HookResponse preAccess(HookEvent event) {
            if (ruleOf(event.upload()).equals("hold")) {
                holding.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            boolean denied = ruleOf(event.upload()).equals("guarded")
                    && !"let-me-in".equals(event.request().header("X-Pass"));
            return denied ? HookResponse.reject(403, "not yours") : HookResponse.PROCEED;
        }

        @Override
        public HookResponse preFinish(HookEvent event) {
            return ruleOf(event.upload()).equals("finish-header")
                    ? HookResponse.PROCEED.withHeader("X-Processed", event.upload().offset() + " bytes")
                    : HookResponse.PROCEED;
        }

        @Override
        public HookResponse preTerminate(HookEvent event) {
            return ruleOf(event.upload()).equals("keep") ? HookResponse.reject(0, null) : HookResponse.PROCEED;
        }

        void onProgress(@Observes UploadProgress progress) {
            if (ruleOf(progress.upload()).equals("stop") && progress.upload().offset() > 0) {
                progress.stopUpload();
            }
        }
    }

    @Test
    void pre_create_rejects_with_the_hooks_status() {
        Metrics before = Metrics.scrape();
        tus().header("Upload-Length", 10).header("Upload-Metadata", rule("quota")).post("/files").then().statusCode(413)
                .header("X-Quota", "0").body(containsString("quota exceeded"));
        assertEquals(0, Metrics.scrape().since(before, "tus_uploads_created_total"));
    }

    @Test
    void pre_create_chooses_the_id_and_the_metadata() {
        String ticket = UUID.randomUUID().toString();
        String path = Tus.pathOf(tus().header("Upload-Length", 3)
                .header("Upload-Metadata", rule("name-it") + ",ticket " + Base64.getEncoder().encodeToString(ticket.getBytes()))
                .post("/files").then().statusCode(201).header("Location", endsWith("/files/app-" + ticket)).extract()
                .header("Location"));
        String metadata = Tus.head(path).then().statusCode(200).extract().header("Upload-Metadata");
        assertTrue(metadata.contains("owner-team " + Base64.getEncoder().encodeToString("blue".getBytes())), metadata);
    }

    @Test
    void a_throwing_pre_create_bean_fails_the_request_and_creates_nothing() {
        Metrics before = Metrics.scrape();
        tus().header("Upload-Length", 10).header("Upload-Metadata", rule("throw")).post("/files").then().statusCode(502)
                .body(containsString("ERR_HOOK_FAILED"));
        Metrics after = Metrics.scrape();
        assertEquals(0, after.since(before, "tus_uploads_created_total"));
        assertEquals(1, after.since(before, "tus_hook_failures_total{hook=\"pre-create\"}"));
    }

    @Test
    void pre_access_decides_per_request() {
        String path = Tus.pathOf(tus().header("Upload-Length", 3).header("Upload-Metadata", rule("guarded"))
                .post("/files").then().statusCode(201).extract().header("Location"));
        Tus.head(path).then().statusCode(403);
        Tus.patch(path, 0, Tus.ascii("abc")).then().statusCode(403);
        tus().delete(path).then().statusCode(403);
        tus().header("X-Pass", "let-me-in").head(path).then().statusCode(200).header("Upload-Offset", "0");
        tus().header("X-Pass", "let-me-in").contentType(Tus.OFFSET_STREAM).header("Upload-Offset", 0)
                .body(Tus.ascii("abc")).patch(path).then().statusCode(204);
        tus().header("X-Pass", "let-me-in").get(path).then().statusCode(200);
    }

    /**
     * An HTTP/2 client that resets its PATCH's stream while the request waits (here in pre-access) has left: the append
     * stores the bytes that came before the reset and lets go of the upload at once. Vert.x reports a reset once, to the
     * handler of the moment; before, nobody heard it, and the append waited for more bytes until the idle timeout (2 s
     * in tests), holding the upload's lock. Read from the database: a HEAD would ask the holder to let go.
     */
    @Test
    void a_patch_whose_http2_stream_is_reset_while_it_waits_lets_go_at_once() throws Exception {
        AppHooks.holding = new CountDownLatch(1);
        AppHooks.release = new CountDownLatch(1);
        String path = Tus.pathOf(tus().header("Upload-Length", 100_000).header("Upload-Metadata", rule("hold"))
                .post("/files").then().statusCode(201).extract().header("Location"));
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false).setDefaultHost("localhost").setDefaultPort(root.getPort()));
        try {
            HttpClientRequest request = client.request(HttpMethod.PATCH, path).toCompletionStage()
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            request.putHeader("Tus-Resumable", "1.0.0").putHeader("Upload-Offset", "0")
                    .putHeader("Content-Type", Tus.OFFSET_STREAM).putHeader("Content-Length", "100000");
            request.exceptionHandler(ignored -> {
                // the reset below, reported to its sender
            });
            request.write(Buffer.buffer(Tus.randomBytes(1000, 9)));
            assertTrue(AppHooks.holding.await(10, TimeUnit.SECONDS), "the PATCH never reached pre-access");
            request.reset();
            Thread.sleep(300);
            long released = System.nanoTime();
            AppHooks.release.countDown();
            Poll.until("the 1000 bytes sent before the reset committed", Duration.ofSeconds(10),
                    () -> storedOffset(Tus.idOf(path)) == 1000);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released);
            assertTrue(millis < 1500, "the append let go " + millis + " ms after it could start (idle timeout 2 s)");
        } finally {
            AppHooks.release.countDown();
            client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private long storedOffset(String id) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement("SELECT upload_offset FROM upload WHERE id = ?")) {
            query.setString(1, id);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    @Test
    void pre_finish_adds_headers_to_the_final_answer_only() {
        String path = Tus.pathOf(tus().header("Upload-Length", 6).header("Upload-Metadata", rule("finish-header"))
                .post("/files").then().statusCode(201).extract().header("Location"));
        Tus.patch(path, 0, Tus.ascii("abc")).then().statusCode(204).header("X-Processed", (String) null);
        Tus.patch(path, 3, Tus.ascii("def")).then().statusCode(204).header("X-Processed", "6 bytes");
    }

    @Test
    void pre_terminate_rejects_and_keeps_the_upload() {
        String path = Tus.pathOf(tus().header("Upload-Length", 3).header("Upload-Metadata", rule("keep"))
                .post("/files").then().statusCode(201).extract().header("Location"));
        tus().delete(path).then().statusCode(400).body(containsString("ERR_UPLOAD_TERMINATION_REJECTED"));
        Tus.head(path).then().statusCode(200);
    }

    @Test
    void a_progress_observer_stops_the_upload_which_is_then_deleted() throws Exception {
        String path = Tus.pathOf(tus().header("Upload-Length", 1_000_000).header("Upload-Metadata", rule("stop"))
                .post("/files").then().statusCode(201).extract().header("Location"));
        String response = HttpHooksTest.slowPatch(path, 1_000_000);
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
        assertTrue(response.contains("ERR_UPLOAD_STOPPED"), response);
        Tus.head(path).then().statusCode(404);
    }
}
