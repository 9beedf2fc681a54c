package io.resumableupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.resumableupload.support.PackagedServer;
import io.resumableupload.support.Tus;

/**
 * Issue 7 item 16: servers sharing one directory with the embedded PostgreSQL. A second start must leave the live
 * server's database alone and exit at once saying who serves it; a database left running by a server killed with
 * -9 is an orphan the next start stops and reuses.
 */
class SecondStartIT {

    private static final String NAME = "second-start";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static PackagedServer first;
    private static PackagedServer recovered;

    @BeforeAll
    static void cleanDirectories() throws IOException {
        stopOrphan();
        deleteTree(Path.of("target", NAME + "-postgres"));
        deleteTree(Path.of("target", NAME + "-uploads"));
    }

    @AfterAll
    static void stop() throws Exception {
        for (PackagedServer server : new PackagedServer[] { first, recovered }) {
            if (server != null) {
                server.close();
            }
        }
        stopOrphan();
    }

    /** A failed run may leave the postgres of its killed server behind: it is this test's own, stop it. */
    private static void stopOrphan() {
        postmaster(Path.of("target", NAME + "-postgres")).ifPresent(pg -> {
            pg.destroy();
            pg.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        });
    }

    @Test
    void a_second_start_exits_at_once_and_an_orphan_left_by_kill_9_is_reused() throws Exception {
        first = new PackagedServer(NAME, Map.of()).embeddedDatabase().start();
        Path data = first.embeddedDataDirectory();
        String path = Tus.pathOf(send(first, "POST", "/files", Map.of("Upload-Length", "10"), new byte[0]).headers()
                .firstValue("Location").orElseThrow());
        assertEquals(204, patch(first, path, 0, "hello").statusCode());
        ProcessHandle database = postmaster(data).orElseThrow();
        assertEquals(1, database.parent().map(ProcessHandle::pid).orElse(1L),
                "the embedded postgres runs detached from its server (why its parent pid cannot tell the owner)");

        PackagedServer.Exit second = new PackagedServer(NAME, Map.of()).embeddedDatabase()
                .runUntilExit(Duration.ofSeconds(60));
        assertNotEquals(0, second.code(), second.output());
        assertTrue(second.output().contains("is already served by pid " + first.pid()), second.output());
        assertFalse(second.output().contains("\tat "), "a stack trace:\n" + second.output());
        // "At once": the JVM starts, reads its configuration and stops; before the fix it hung for 30 s stopping
        // the live database. A bound with room for a loaded machine, not a performance figure.
        assertTrue(second.took().toSeconds() < 15, "the second start ran for " + second.took());

        // The live server's database was not touched: same process, still taking new connections.
        assertEquals(database.pid(), postmaster(data).orElseThrow().pid());
        assertEquals(1, selectOne(data));
        // And the live server keeps serving uploads.
        assertEquals(204, patch(first, path, 5, "world").statusCode());
        assertEquals("10", offset(first, path));

        first.kill();
        first.awaitExit(Duration.ofSeconds(20));
        assertTrue(database.isAlive(), "kill -9 of the server should leave its postgres running (an orphan)");

        recovered = new PackagedServer(NAME, Map.of()).embeddedDatabase().start();
        assertFalse(database.isAlive(), "the orphan was not stopped");
        assertEquals("10", offset(recovered, path));
        assertEquals("helloworld", new String(send(recovered, "GET", path, Map.of(), null).body(), StandardCharsets.UTF_8));
    }

    private static HttpResponse<byte[]> patch(PackagedServer server, String path, long offset, String body)
            throws IOException, InterruptedException {
        return send(server, "PATCH", path, Map.of("Upload-Offset", String.valueOf(offset), "Content-Type",
                "application/offset+octet-stream"), body.getBytes(StandardCharsets.UTF_8));
    }

    private static String offset(PackagedServer server, String path) throws IOException, InterruptedException {
        return send(server, "HEAD", path, Map.of(), null).headers().firstValue("Upload-Offset").orElse("none");
    }

    private static HttpResponse<byte[]> send(PackagedServer server, String method, String path, Map<String, String> headers,
            byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .timeout(Duration.ofSeconds(20)).header("Tus-Resumable", "1.0.0")
                .method(method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The postgres serving {@code data}, from its postmaster.pid (line 1: pid, line 4: port). */
    private static Optional<ProcessHandle> postmaster(Path data) {
        try {
            List<String> lines = Files.readAllLines(data.resolve("postmaster.pid"));
            return ProcessHandle.of(Long.parseLong(lines.get(0).strip())).filter(ProcessHandle::isAlive);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Opens a new connection to the embedded database (one in shutdown refuses it) and runs SELECT 1. */
    private static int selectOne(Path data) throws Exception {
        String port = Files.readAllLines(data.resolve("postmaster.pid")).get(3).strip();
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres",
                "postgres", ""); ResultSet result = connection.createStatement().executeQuery("SELECT 1")) {
            result.next();
            return result.getInt(1);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
