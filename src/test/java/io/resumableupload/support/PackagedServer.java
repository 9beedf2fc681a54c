package io.resumableupload.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged server ({@code target/quarkus-app/quarkus-run.jar}) as a real process, for what only a process
 * shows: signals, kill -9, several replicas. It uses the database QUARKUS_DATASOURCE_JDBC_URL names, else its own
 * embedded PostgreSQL in {@code target/<name>-postgres}.
 */
public final class PackagedServer implements AutoCloseable {

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");

    private final String name;
    private final Map<String, String> env;
    private final int port;
    private final int managementPort;
    private final Path log;
    private Process process;

    public PackagedServer(String name, Map<String, String> extraEnv) throws IOException {
        this(name, freePort(), extraEnv);
    }

    public PackagedServer(String name, int port, Map<String, String> extraEnv) throws IOException {
        this.name = name;
        this.port = port;
        this.managementPort = freePort();
        this.log = Path.of("target/it-logs", name + ".log");
        Files.createDirectories(log.getParent());
        env = new HashMap<>();
        env.put("QUARKUS_HTTP_PORT", String.valueOf(port));
        // Health and metrics: never the fixed 9000, other servers run beside this one.
        env.put("QUARKUS_MANAGEMENT_PORT", String.valueOf(managementPort));
        env.put("TUS_STORAGE_FILESYSTEM_DIRECTORY", "target/" + name + "-uploads");
        env.put("TUS_EMBEDDED_POSTGRES_DATA_DIRECTORY", "target/" + name + "-postgres");
        env.putAll(extraEnv);
    }

    public PackagedServer start() throws IOException, InterruptedException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run the package phase first (./mvnw verify)");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", JAR.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        process = builder.start();
        awaitReady(Duration.ofSeconds(90));
        return this;
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://localhost:" + port;
    }

    /** The management interface (health, metrics). */
    public String managementUrl() {
        return "http://localhost:" + managementPort;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGTERM, as Kubernetes sends it. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL. */
    public void kill() {
        process.destroyForcibly();
    }

    /** Waits for the process to exit; returns its exit code, or throws if it did not exit in time. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " did not exit within " + timeout);
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public int get(String path) throws IOException, InterruptedException {
        return status(baseUrl() + path);
    }

    /** GET on the management interface, e.g. {@code /q/health/ready}. */
    public int getManagement(String path) throws IOException, InterruptedException {
        return status(managementUrl() + path);
    }

    private static int status(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited during start-up, see " + log);
            }
            try {
                if (getManagement("/q/health/ready") == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout + ", see " + log);
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
