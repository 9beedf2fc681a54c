package io.resumableupload.api;

import static io.restassured.RestAssured.given;
import static io.resumableupload.support.Tus.tus;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.MDC;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.resumableupload.hooks.UploadCreated;
import io.resumableupload.hooks.UploadFinished;
import io.resumableupload.hooks.UploadTerminated;
import io.resumableupload.persistence.UploadRepository;
import io.resumableupload.support.JwtProfile;
import io.resumableupload.support.TestTokens;
import io.resumableupload.support.Tus;

/**
 * tus.auth.mode=jwt (RELIABILITY D6, multi-tenant isolation): every verb refuses a missing or bad token with 401,
 * serves the owner, and answers another subject 404 as if the upload did not exist.
 */
@QuarkusTest
@TestProfile(JwtProfile.class)
class JwtAuthTest {

    private static final byte[] DATA = Tus.ascii("hello");

    /** The verbs, each against an upload of alice's in the state the verb needs. */
    enum Verb {
        POST,
        HEAD,
        PATCH,
        DELETE,
        GET
    }

    @Inject
    UploadRepository repository;

    @Inject
    Events events;

    @Test
    void every_verb_without_a_token_is_401_with_a_bearer_challenge() {
        for (Verb verb : Verb.values()) {
            String path = uploadFor(verb, "alice");
            Response refused = send(verb, path, given -> given);
            refused.then().statusCode(401).header("WWW-Authenticate", "Bearer");
            if (verb != Verb.HEAD) {
                refused.then().body(startsWith("ERR_UNAUTHORIZED"));
            }
            send(verb, path, given -> given.header("Authorization", "Basic YWxpY2U6cGFzcw==")).then().statusCode(401);
            assertUnchanged(verb, path);
        }
    }

    @Test
    void every_verb_with_a_token_of_another_issuer_is_401() {
        everyVerbRefuses(TestTokens.wrongIssuer("alice"));
    }

    @Test
    void every_verb_with_a_token_for_another_audience_is_401() {
        everyVerbRefuses(TestTokens.wrongAudience("alice"));
    }

    @Test
    void every_verb_with_an_expired_token_is_401() {
        everyVerbRefuses(TestTokens.expired("alice"));
    }

    @Test
    void every_verb_with_a_badly_signed_token_is_401() {
        everyVerbRefuses(TestTokens.badSignature("alice"));
        everyVerbRefuses("not.a.jwt");
    }

    private void everyVerbRefuses(String token) {
        for (Verb verb : Verb.values()) {
            String path = uploadFor(verb, "alice");
            Response refused = send(verb, path, given -> given.header("Authorization", "Bearer " + token));
            refused.then().statusCode(401).header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            if (verb != Verb.HEAD) {
                refused.then().body(startsWith("ERR_INVALID_TOKEN"));
            }
            assertUnchanged(verb, path);
        }
    }

    @Test
    void the_owner_may_use_every_verb() {
        String path = Tus.pathOf(as("alice").header("Upload-Length", DATA.length).post("/files").then().statusCode(201)
                .extract().header("Location"));
        as("alice").head(path).then().statusCode(200).header("Upload-Offset", "0");
        as("alice").header("Upload-Offset", 0).contentType(Tus.OFFSET_STREAM).body(DATA).patch(path).then()
                .statusCode(204).header("Upload-Offset", "5");
        assertArrayEquals(DATA, given().header("Authorization", TestTokens.bearer("alice")).get(path).then()
                .statusCode(200).header("Content-Security-Policy", "sandbox").extract().asByteArray());
        as("alice").delete(path).then().statusCode(204);
        as("alice").head(path).then().statusCode(404);
    }

    /** Spec of isolation: a foreign id answers exactly as a missing one (no existence oracle), and nothing moves. */
    @Test
    void another_subject_gets_404_for_every_verb_and_changes_nothing() {
        for (Verb verb : List.of(Verb.HEAD, Verb.PATCH, Verb.DELETE, Verb.GET)) {
            String path = uploadFor(verb, "alice");
            String missing = path.substring(0, path.length() - 4) + "zzzz";
            String foreign = send(verb, path, given -> given.header("Authorization", TestTokens.bearer("bob"))).then()
                    .statusCode(404).extract().asString();
            String absent = send(verb, missing, given -> given.header("Authorization", TestTokens.bearer("bob")))
                    .then().statusCode(404).extract().asString();
            assertEquals(absent, foreign, verb + ": a foreign upload must read as a missing one");
            assertUnchanged(verb, path);
        }
    }

    @Test
    void a_method_override_is_authorized_as_the_effective_method() {
        String path = uploadFor(Verb.DELETE, "alice");
        as("bob").header("X-HTTP-Method-Override", "DELETE").post(path).then().statusCode(404);
        tus().header("X-HTTP-Method-Override", "DELETE").post(path).then().statusCode(401);
        as("alice").head(path).then().statusCode(200);
    }

    /** Naming an upload as a partial of a final one is an access like any other: only its owner may. */
    @Test
    void another_subjects_partial_cannot_be_named_in_a_final_upload() {
        String partial = Tus.pathOf(as("alice").header("Upload-Concat", "partial").header("Upload-Length", 5)
                .post("/files").then().statusCode(201).extract().header("Location"));
        as("alice").header("Upload-Offset", 0).contentType(Tus.OFFSET_STREAM).body(DATA).patch(partial).then()
                .statusCode(204);
        String foreign = as("bob").header("Upload-Concat", "final;" + partial).post("/files").then().statusCode(400)
                .body(startsWith("ERR_INVALID_CONCAT")).extract().asString();
        String missing = partial.substring(0, partial.length() - 4) + "zzzz";
        String absent = as("bob").header("Upload-Concat", "final;" + missing).post("/files").then().statusCode(400)
                .extract().asString();
        assertEquals(absent.replace(Tus.idOf(missing), "ID"), foreign.replace(Tus.idOf(partial), "ID"));
        as("alice").header("Upload-Concat", "final;" + partial).post("/files").then().statusCode(201);
    }

    @Test
    void discovery_and_preflights_need_no_token() {
        given().options("/files").then().statusCode(200).header("Tus-Version", "1.0.0");
        given().header("Origin", "https://app.example.com").header("Access-Control-Request-Method", "PATCH")
                .header("Access-Control-Request-Headers", "authorization,tus-resumable,upload-offset,content-type")
                .options("/files/abc").then().statusCode(200)
                .header("Access-Control-Allow-Headers", containsString("Authorization"));
    }

    @Test
    void creating_needs_the_create_role() {
        tus().header("Authorization", "Bearer " + TestTokens.withoutRoles("carol")).header("Upload-Length", 5)
                .post("/files").then().statusCode(403).header("WWW-Authenticate", "Bearer error=\"insufficient_scope\"")
                .body(startsWith("ERR_FORBIDDEN"));
    }

    @Test
    void without_public_downloads_a_finished_upload_is_private() {
        String path = uploadFor(Verb.GET, "alice");
        given().get(path).then().statusCode(401);
    }

    @Test
    void the_owner_is_in_the_row_in_lifecycle_events_and_in_log_lines_of_the_request() {
        List<String> owners = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                // Read now: a record's log context is the publishing thread's.
                owners.add(String.valueOf(((ExtLogRecord) record).getMdc("owner")));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("io.resumableupload.upload.UploadService");
        Level level = logger.getLevel();
        logger.setLevel(Level.FINE);
        logger.addHandler(capture);
        String path;
        try {
            path = Tus.pathOf(as("dave").header("Upload-Length", 5).post("/files").then().statusCode(201).extract()
                    .header("Location"));
        } finally {
            logger.removeHandler(capture);
            logger.setLevel(level);
        }
        String id = Tus.idOf(path);
        assertEquals("dave", repository.findRecord(id).orElseThrow().owner());
        assertEquals("dave", events.createdBy(id));
        assertEquals(List.of("dave"), owners, "the request's log line does not carry its owner");

        // The append finishes on a worker thread: the owner is in its log context too, and in the event.
        as("dave").header("Upload-Offset", 0).contentType(Tus.OFFSET_STREAM).body(DATA).patch(path).then()
                .statusCode(204);
        assertEquals("dave", events.finishedBy(id));
        assertEquals("dave", events.finishedLogOwner(id));
        as("dave").delete(path).then().statusCode(204);
        assertEquals("dave", events.terminatedBy(id));
    }

    // ---- helpers ----

    private static RequestSpecification as(String subject) {
        return tus().header("Authorization", TestTokens.bearer(subject));
    }

    /** For POST the collection; for GET a finished upload; for the others an unfinished one of {@code owner}. */
    private static String uploadFor(Verb verb, String owner) {
        if (verb == Verb.POST) {
            return "/files";
        }
        String path = Tus.pathOf(as(owner).header("Upload-Length", 10).post("/files").then().statusCode(201).extract()
                .header("Location"));
        if (verb == Verb.GET) {
            as(owner).header("Upload-Offset", 0).contentType(Tus.OFFSET_STREAM).body(new byte[10]).patch(path).then()
                    .statusCode(204);
        }
        return path;
    }

    private static Response send(Verb verb, String path, Function<RequestSpecification, RequestSpecification> auth) {
        RequestSpecification request = auth.apply(tus());
        return switch (verb) {
            case POST -> request.header("Upload-Length", 5).post(path);
            case HEAD -> request.head(path);
            case PATCH -> request.header("Upload-Offset", 0).contentType(Tus.OFFSET_STREAM).body(DATA).patch(path);
            case DELETE -> request.delete(path);
            case GET -> request.get(path);
        };
    }

    /** The upload is still there, as its owner sees it, with nothing appended by the refused request. */
    private static void assertUnchanged(Verb verb, String path) {
        if (verb == Verb.POST) {
            return;
        }
        as("alice").head(path).then().statusCode(200).header("Upload-Offset", verb == Verb.GET ? "10" : "0");
    }

    /** Lifecycle events of the uploads, with the owner as the event and the log context tell it. */
    @ApplicationScoped
    static class Events {
        final Map<String, String> createdBy = new ConcurrentHashMap<>();
        final Map<String, String> finishedBy = new ConcurrentHashMap<>();
        final Map<String, String> finishedLogOwner = new ConcurrentHashMap<>();
        final Map<String, String> terminatedBy = new ConcurrentHashMap<>();

        void created(@Observes UploadCreated event) {
            if (event.upload().owner() != null) {
                createdBy.put(event.upload().id(), event.upload().owner());
            }
        }

        void finished(@Observes UploadFinished event) {
            if (event.upload().owner() != null) {
                finishedBy.put(event.upload().id(), event.upload().owner());
            }
            Object owner = MDC.get("owner");
            if (owner != null) {
                finishedLogOwner.put(event.upload().id(), owner.toString());
            }
        }

        // Methods, not fields: the injected bean is a client proxy.
        String createdBy(String id) {
            return createdBy.get(id);
        }

        String finishedBy(String id) {
            return finishedBy.get(id);
        }

        String finishedLogOwner(String id) {
            return finishedLogOwner.get(id);
        }

        String terminatedBy(String id) {
            return terminatedBy.get(id);
        }

        void terminated(@Observes UploadTerminated event) {
            if (event.owner() != null) {
                terminatedBy.put(event.uploadId(), event.owner());
            }
        }
    }
}
