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
        // Killed once the server holds some of the bytes (the upload's file grows before its offset is committed).
        awaitServerBytes(uploadId(store), 8L << 20);
        first.destroyForcibly().waitFor();

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

    /** Issue 7 item 21: Ctrl-C says where the upload stopped and that the same command resumes it; it does. */
    @Test
    void ctrl_c_says_where_the_upload_stopped_and_the_same_command_resumes_it() throws Exception {
        long size = 64L << 20;
        Path file = randomFile("interrupted.bin", size);
        Path store = WORK.resolve("store-ctrl-c.tsv");
        Files.deleteIfExists(store);
        Path log = WORK.resolve("ctrl-c-1.log");
        String[] upload = { LAUNCHER.toString(), "upload", file.toAbsolutePath().toString(), "--endpoint",
                server.baseUrl() + "/files/", "--resume-store", store.toAbsolutePath().toString(), "--limit-rate", "8M" };
        // A process started in the background without job control (as CI may start Maven) inherits SIGINT ignored,
        // and a JVM keeps it ignored; perl resets it to the default before it execs the command, as a terminal would.
        List<String> withDefaultSigint = new ArrayList<>(List.of("perl", "-e", "$SIG{INT}='DEFAULT'; exec @ARGV or die", "--"));
        withDefaultSigint.addAll(List.of(upload));
        Process first = command(Path.of("."), withDefaultSigint.toArray(String[]::new)).redirectOutput(log.toFile()).start();
        String id = uploadId(store);
        awaitServerBytes(id, 4L << 20);
        assertSigintIsNotIgnored(first);
        new ProcessBuilder("kill", "-INT", String.valueOf(first.pid())).start().waitFor();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the upload did not stop on SIGINT");
        String output = Files.readString(log);
        assertEquals(130, first.exitValue(), output);

        java.util.regex.Matcher stopped = java.util.regex.Pattern
                .compile("Stopped at [0-9.]+ MiB of 64.0 MiB \\(([0-9.]+)%\\), stored by the server at (\\S+)\\.")
                .matcher(output);
        assertTrue(stopped.find(), output);
        assertTrue(output.contains("Run the same command again to resume from there."), output);
        assertEquals(server.baseUrl() + "/files/" + id, stopped.group(2));
        long offset = Long.parseLong(HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(stopped.group(2))).method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .header("Tus-Resumable", "1.0.0").build(), HttpResponse.BodyHandlers.discarding())
                .headers().firstValue("Upload-Offset").orElseThrow());
        assertTrue(offset > 0 && offset < size, "offset " + offset);
        assertEquals(String.format(java.util.Locale.ROOT, "%.1f", 100.0 * offset / size), stopped.group(1),
                "the figure printed is not what the server holds");

        Process second = command(Path.of("."), upload).start();
        String resumed = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, second.waitFor(), resumed);
        assertTrue(resumed.contains("Resumed the earlier upload from byte " + offset + " of " + size), resumed);
        assertEquals(sha256(file), sha256(download(lastLine(resumed))));
        Files.delete(file);
    }

    /** Issue 7 item 22: serve takes the settings a user reaches for as flags, and they take effect. */
    @Test
    void serve_takes_its_settings_as_flags() throws Exception {
        int port = PackagedServer.freePort();
        Path uploads = WORK.resolve("serve-uploads");
        Path log = WORK.resolve("serve.log");
        Files.deleteIfExists(log);
        io.resumableupload.support.RedisResource redis = new io.resumableupload.support.RedisResource();
        String redisUrl = redis.start().get("quarkus.redis.hosts");
        Process serve = command(Path.of("."), LAUNCHER.toString(), "serve", "--port", String.valueOf(port), "--upload-dir",
                uploads.toString(), "--max-size", "5M", "--base-path", "/uploads", "--checksum-algorithms", "sha256",
                "--expire-after", "1h", "--lock-backend", "redis", "--redis-url", redisUrl, "--log-level", "DEBUG",
                "--behind-proxy", "--management-port", String.valueOf(PackagedServer.freePort()))
                .redirectOutput(log.toFile()).start();
        try {
            HttpResponse<Void> options = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && serve.isAlive()) {
                try {
                    options = HttpClient.newHttpClient()
                            .send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/uploads"))
                                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(),
                                    HttpResponse.BodyHandlers.discarding());
                    break;
                } catch (IOException e) {
                    Thread.sleep(200);
                }
            }
            assertTrue(options != null, "serve did not answer; see " + log);
            assertEquals(200, options.statusCode());
            assertEquals("5242880", options.headers().firstValue("Tus-Max-Size").orElseThrow());
            assertEquals("sha256", options.headers().firstValue("Tus-Checksum-Algorithm").orElseThrow());

            java.time.Instant now = java.time.Instant.now();
            HttpResponse<Void> created = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(URI.create("http://localhost:" + port + "/uploads")).header("Tus-Resumable", "1.0.0")
                    .header("Upload-Length", "10").header("X-Forwarded-Proto", "https")
                    .header("X-Forwarded-Host", "uploads.example.com").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(201, created.statusCode());
            assertTrue(
                    created.headers().firstValue("Location").orElseThrow().startsWith("https://uploads.example.com/uploads/"),
                    created.headers().toString());
            java.time.Instant expires = java.time.ZonedDateTime.parse(created.headers().firstValue("Upload-Expires")
                    .orElseThrow(), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            assertTrue(Math.abs(Duration.between(now.plus(Duration.ofHours(1)), expires).toSeconds()) < 120,
                    "Upload-Expires " + expires);

            Path file = randomFile("small.bin", 100_000);
            Process upload = command(Path.of("."), LAUNCHER.toString(), "upload", file.toString(), "--endpoint",
                    "http://localhost:" + port + "/uploads/", "--no-resume", "--checksum", "sha256").start();
            String output = new String(upload.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, upload.waitFor(), output);
            String id = URI.create(lastLine(output)).getPath().replace("/uploads/", "");
            assertTrue(Files.exists(uploads.resolve(id)), "bytes not in --upload-dir");

            String serverLog = Files.readString(log);
            assertTrue(serverLog.contains("upload locks: redis"), "--lock-backend redis not in effect; see " + log);
            assertTrue(serverLog.contains(" DEBUG "), "--log-level DEBUG not in effect; see " + log);
        } finally {
            serve.destroy();
            serve.waitFor(30, TimeUnit.SECONDS);
            redis.stop();
        }
    }

    @Test
    void serve_help_lists_its_flags_with_defaults() throws Exception {
        Process help = command(Path.of("."), LAUNCHER.toString(), "serve", "--help").start();
        String output = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, help.waitFor(), output);
        for (String flag : List.of("--lock-backend NAME", "--redis-url URL", "--checksum-algorithms LIST",
                "--expire-after DURATION", "--log-level LEVEL", "--upload-dir DIR", "--max-size SIZE", "--base-path PATH",
                "--database-url URL", "--public-url URL", "--max-partials N")) {
            assertTrue(output.contains(flag), flag + " missing from serve --help:\n" + output);
        }
        assertTrue(output.contains("(default 24h)"), output);
    }

    /**
     * Issue 8: serve's flags for authentication, CORS and the management port take effect, and the client's --header
     * carries the token.
     */
    @Test
    void serve_takes_access_flags_and_upload_sends_the_token_with_header() throws Exception {
        int port = PackagedServer.freePort();
        int managementPort = PackagedServer.freePort();
        Path uploads = WORK.resolve("serve-jwt-uploads");
        Process serve = command(Path.of("."), LAUNCHER.toString(), "serve", "--port", String.valueOf(port), "--upload-dir",
                uploads.toString(), "--management-port", String.valueOf(managementPort), "--auth", "jwt", "--jwt-key",
                Path.of("src/test/resources/jwt/public.pem").toAbsolutePath().toString(), "--jwt-issuer",
                TestTokens.ISSUER, "--cors-origins", "https://app.example.com", "--no-ui")
                .redirectOutput(WORK.resolve("serve-jwt.log").toFile()).start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            URI ready = URI.create("http://localhost:" + managementPort + "/q/health/ready");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline) {
                try {
                    status = http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                } catch (IOException e) {
                    Thread.sleep(200);
                }
            }
            assertEquals(200, status, "serve was not ready on --management-port; see serve-jwt.log");
            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode(), "--no-ui was not applied");
            HttpResponse<Void> preflight = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/files"))
                    .header("Origin", "https://elsewhere.example.com").header("Access-Control-Request-Method", "POST")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertEquals(403, preflight.statusCode(), "--cors-origins was not applied");

            Path file = randomFile("with-token.bin", 100_000);
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

    /** The id of the upload the command remembered in its resume store (waits for the store to have it). */
    private static String uploadId(Path store) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(store)) {
                java.util.Optional<String> url = Files.readAllLines(store).stream().filter(l -> l.contains("\thttp"))
                        .map(l -> l.substring(l.indexOf('\t') + 1).strip()).findFirst();
                if (url.isPresent()) {
                    return url.get().substring(url.get().lastIndexOf('/') + 1);
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no upload in " + store + " within 30 s");
    }

    /** Waits until the server's file for upload {@code id} holds at least {@code bytes}. */
    private static void awaitServerBytes(String id, long bytes) throws Exception {
        Path stored = Path.of("target", "cli-it-uploads", id);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(stored) && Files.size(stored) >= bytes)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(stored + " did not reach " + bytes + " bytes within 60 s");
            }
            Thread.sleep(50);
        }
    }

    /** The upload must really be interruptible here, or the test would prove nothing. */
    private static void assertSigintIsNotIgnored(Process process) throws IOException {
        Path status = Path.of("/proc", String.valueOf(process.pid()), "status");
        String ignored = Files.readAllLines(status).stream().filter(l -> l.startsWith("SigIgn:")).findFirst()
                .map(l -> l.substring(7).strip()).orElse("0");
        assertEquals(0, Long.parseLong(ignored, 16) & 0x2, "SIGINT is ignored by the upload process");
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
