package io.resumableupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.resumableupload.support.PackagedServer;
import io.resumableupload.support.TestTokens;

/**
 * The command line of the packaged jar: an upload killed with -9 resumes when run again (and says so); upload never
 * boots the server; serve takes its settings as flags; the client jar uploads on its own.
 */
class CommandLineIT {

    private static final Path WORK = Path.of("target/cli-it");
    private static final Path LAUNCHER = Path.of("resumable-upload").toAbsolutePath();
    private static final Path CLIENT_JAR = clientJar();

    private static PackagedServer server;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(WORK);
        server = new PackagedServer("cli-it", Map.of()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** Done-when of the client issue: kill -9 mid-upload, run again, it completes, resumed, with the right sha256. */
    @Test
    void an_upload_killed_with_sigkill_resumes_when_run_again() throws Exception {
        Path file = randomFile("killed.bin", 120L << 20);
        Path store = WORK.resolve("store-killed.tsv");
        Files.deleteIfExists(store);
        Path cwd = Files.createDirectories(WORK.resolve("cwd"));
        Process first = command(cwd, LAUNCHER.toString(), "upload", file.toAbsolutePath().toString(), "--endpoint",
                server.baseUrl() + "/files/", "--resume-store", store.toAbsolutePath().toString(), "--limit-rate", "40M",
                "--checksum", "sha256").redirectOutput(WORK.resolve("killed-1.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(store) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(1200);
        first.destroyForcibly().waitFor();
        assertTrue(Files.exists(store), "the first run stored nothing to resume from");

        Process second = command(cwd, LAUNCHER.toString(), "upload", file.toAbsolutePath().toString(), "--endpoint",
                server.baseUrl() + "/files/", "--resume-store", store.toAbsolutePath().toString(), "--checksum", "sha256")
                .start();
        String output = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, second.waitFor(), output);
        assertTrue(output.contains("Resuming the earlier upload"), output);
        assertTrue(output.contains("Resumed the earlier upload from byte "), output);
        String url = lastLine(output);
        assertEquals(sha256(file), sha256(download(url)));
        // upload never boots the server: no Quarkus log, no embedded database in its working directory.
        assertFalse(output.contains("Quarkus"), output);
        assertFalse(Files.exists(cwd.resolve("data")), "the upload command started a database");
        Files.delete(file);
    }

    /** Also issue 8: serve's flags for authentication, and the client's --header carrying the token. */
    @Test
    void serve_takes_its_settings_as_flags() throws Exception {
        int port = PackagedServer.freePort();
        int managementPort = PackagedServer.freePort();
        Path uploads = WORK.resolve("serve-uploads");
        Process serve = command(Path.of("."), LAUNCHER.toString(), "serve", "--port", String.valueOf(port), "--upload-dir",
                uploads.toString(), "--max-size", "5M", "--management-port", String.valueOf(managementPort), "--auth",
                "jwt", "--jwt-key", Path.of("src/test/resources/jwt/public.pem").toAbsolutePath().toString(),
                "--jwt-issuer", TestTokens.ISSUER, "--cors-origins", "https://app.example.com")
                .redirectOutput(WORK.resolve("serve.log").toFile()).start();
        try {
            HttpResponse<Void> options = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                try {
                    options = HttpClient.newHttpClient()
                            .send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/files"))
                                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(),
                                    HttpResponse.BodyHandlers.discarding());
                    break;
                } catch (IOException e) {
                    Thread.sleep(200);
                }
            }
            assertEquals(204, options.statusCode());
            assertEquals("5242880", options.headers().firstValue("Tus-Max-Size").orElseThrow());
            assertEquals(200, HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + managementPort + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            Path file = randomFile("small.bin", 100_000);
            Process refused = command(Path.of("."), LAUNCHER.toString(), "upload", file.toString(), "--endpoint",
                    "http://localhost:" + port + "/files/", "--no-resume").start();
            String refusal = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(1, refused.waitFor(), refusal);
            assertTrue(refusal.contains("401"), refusal);
            Process upload = command(Path.of("."), LAUNCHER.toString(), "upload", file.toString(), "--endpoint",
                    "http://localhost:" + port + "/files/", "--no-resume", "--header",
                    "Authorization: " + TestTokens.bearer("cli-user")).start();
            String output = new String(upload.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, upload.waitFor(), output);
            String id = URI.create(lastLine(output)).getPath().replace("/files/", "");
            assertTrue(Files.exists(uploads.resolve(id)), "bytes not in --upload-dir");
            HttpResponse<Void> preflight = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/files")).header("Origin", "https://elsewhere.example.com")
                    .header("Access-Control-Request-Method", "POST")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertEquals(403, preflight.statusCode(), "--cors-origins was not applied");
        } finally {
            serve.destroy();
            serve.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void bad_usage_exits_2_and_help_exits_0() throws Exception {
        assertEquals(2, command(Path.of("."), LAUNCHER.toString(), "upload").start().waitFor());
        assertEquals(2, command(Path.of("."), LAUNCHER.toString(), "frobnicate").start().waitFor());
        assertEquals(0, command(Path.of("."), LAUNCHER.toString(), "upload", "--help").start().waitFor());
    }

    /**
     * Done-when of the client issue: the client jar alone (java -jar, nothing else on the classpath) uploads 1 GiB
     * with parallel=4 and sha256 checksums; the download matches.
     */
    @Test
    void the_client_jar_alone_uploads_a_gibibyte_in_parallel_with_checksums() throws Exception {
        Path file = randomFile("gibibyte.bin", 1L << 30);
        long start = System.nanoTime();
        Process upload = command(Path.of("."), java(), "-jar", CLIENT_JAR.toString(), "upload", file.toString(), "--endpoint",
                server.baseUrl() + "/files/", "--parallel", "4", "--checksum", "sha256", "--no-resume").start();
        String output = new String(upload.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, upload.waitFor(), output);
        long millis = (System.nanoTime() - start) / 1_000_000;
        String url = lastLine(output);
        assertEquals(sha256(file), sha256(download(url)));
        System.out.printf("client jar: 1 GiB, parallel 4, sha256: %d ms (%.0f MB/s)%n", millis, (1L << 30) / 1e3 / millis);
        Files.delete(file);
    }

    private static ProcessBuilder command(Path cwd, String... args) {
        List<String> command = new ArrayList<>(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
        builder.environment().put("RESUMABLE_UPLOAD_JAR",
                Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString());
        builder.environment().put("XDG_CACHE_HOME", WORK.resolve("cache").toAbsolutePath().toString());
        builder.environment().put("TUS_EMBEDDED_POSTGRES_DATA_DIRECTORY",
                WORK.resolve("serve-postgres").toAbsolutePath().toString());
        return builder;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Path clientJar() {
        try (var files = Files.list(Path.of("target"))) {
            return files.filter(f -> f.getFileName().toString().endsWith("-client.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("target/*-client.jar missing: run the package phase"))
                    .toAbsolutePath();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path randomFile(String name, long size) throws IOException {
        Path file = WORK.resolve(name);
        Random random = new Random(size);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += block.length) {
                random.nextBytes(block);
                out.write(block, 0, (int) Math.min(block.length, size - written));
            }
        }
        return file;
    }

    private static Path download(String url) throws Exception {
        Path target = WORK.resolve("download.bin");
        HttpResponse<Path> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofMinutes(5)).build(),
                HttpResponse.BodyHandlers.ofFile(target,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING));
        assertEquals(200, response.statusCode());
        return target;
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
