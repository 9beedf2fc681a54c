package io.resumableupload.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3 API for tests: s3proxy ({@code target/s3proxy.jar}, copied there from Maven Central by the build) as a
 * separate process on a free port, storing objects in a directory (jclouds' filesystem provider), so it survives its
 * own restarts. {@link #shared()} is one instance for the whole test JVM; ITs start their own.
 */
public final class S3Proxy implements AutoCloseable {

    public static final String BUCKET = "tus-test";
    public static final String IDENTITY = "local-identity";
    public static final String CREDENTIAL = "local-credential";
    private static final Path JAR = Path.of("target/s3proxy.jar");
    private static S3Proxy shared;

    private final String name;
    private final Path directory;
    private final int port;
    private Process process;
    private S3Client client;

    private S3Proxy(String name, int port) {
        this.name = name;
        this.port = port;
        this.directory = Path.of("target", name + "-data").toAbsolutePath();
    }

    /** The test JVM's s3proxy, started on first use and stopped when the JVM exits. */
    public static synchronized S3Proxy shared() {
        if (shared == null) {
            try {
                shared = start("s3proxy");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** A new s3proxy with an empty bucket {@link #BUCKET}. */
    public static S3Proxy start(String name) throws IOException {
        S3Proxy proxy = new S3Proxy(name, PackagedServer.freePort());
        proxy.deleteData();
        proxy.launch();
        proxy.client().createBucket(r -> r.bucket(BUCKET));
        return proxy;
    }

    private void launch() throws IOException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: the build copies it (mvn generate-test-resources)");
        }
        Files.createDirectories(directory);
        Path properties = Path.of("target", name + ".properties");
        Files.writeString(properties, String.join("\n", "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4", "s3proxy.identity=" + IDENTITY, "s3proxy.credential=" + CREDENTIAL,
                "jclouds.provider=filesystem", "jclouds.filesystem.basedir=" + directory, ""));
        Path log = Path.of("target/it-logs", name + ".log");
        Files.createDirectories(log.getParent());
        process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-jar", JAR.toString(), "--properties", properties.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        ServiceProcesses.awaitListening(process, port, "s3proxy", log);
    }

    private void deleteData() throws IOException {
        if (Files.exists(directory)) {
            try (var paths = Files.walk(directory)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    public int port() {
        return port;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The server settings that point the S3 backend at this proxy, as config keys. */
    public Map<String, String> config(String prefix) {
        return Map.of("tus.storage.backend", "s3", "tus.storage.s3.bucket", BUCKET, "tus.storage.s3.prefix", prefix,
                "tus.storage.s3.endpoint", endpoint().toString(), "tus.storage.s3.path-style", "true",
                "tus.storage.s3.region", "us-east-1", "tus.storage.s3.access-key-id", IDENTITY,
                "tus.storage.s3.secret-access-key", CREDENTIAL, "tus.storage.s3.part-size", "5M");
    }

    /** The same settings as environment variables, for a packaged server. */
    public Map<String, String> env(String prefix) {
        Map<String, String> env = new java.util.HashMap<>();
        config(prefix).forEach((key, value) -> env.put(key.toUpperCase().replace('.', '_').replace('-', '_'), value));
        return env;
    }

    public synchronized S3Client client() {
        if (client == null) {
            client = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder()).endpointOverride(endpoint())
                    .region(Region.US_EAST_1).forcePathStyle(true)
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(IDENTITY, CREDENTIAL)))
                    .build();
        }
        return client;
    }

    /** Keys of the objects under {@code prefix}. */
    public List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (S3Object object : client().listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix(prefix)).contents()) {
            keys.add(object.key());
        }
        return keys;
    }

    /** Keys of the multipart uploads in progress under {@code prefix}. */
    public List<String> multipartUploads(String prefix) {
        return client().listMultipartUploads(r -> r.bucket(BUCKET).prefix(prefix)).uploads().stream()
                .map(MultipartUpload::key).toList();
    }

    public void kill() {
        process.destroyForcibly();
    }

    /** Starts it again on the same port and directory (after {@link #kill()}). */
    public void restart() throws IOException, InterruptedException {
        process.destroyForcibly().waitFor();
        launch();
        try {
            client().createBucket(r -> r.bucket(BUCKET));
        } catch (BucketAlreadyOwnedByYouException e) {
            // kept across the restart, as it should be
        }
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits until {@code condition} holds, up to {@code timeout}. */
    public static boolean await(Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }
}
