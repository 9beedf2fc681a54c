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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    private final Set<String> unset = new HashSet<>();
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

    /**
     * Ignores the database the environment names (QUARKUS_DATASOURCE_*), so the server starts its embedded PostgreSQL
     * in {@link #embeddedDataDirectory()}.
     */
    public PackagedServer embeddedDatabase() {
        unset.addAll(List.of("QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD"));
        return this;
    }

    /** The file in which the server's filesystem storage keeps the bytes of the upload at {@code uploadPath}. */
    public Path storageFile(String uploadPath) {
        return Path.of(env.get("TUS_STORAGE_FILESYSTEM_DIRECTORY"), uploadPath.substring(uploadPath.lastIndexOf('/') + 1));
    }

    /** Where the embedded PostgreSQL keeps its data, if the server starts one. */
    public Path embeddedDataDirectory() {
        return Path.of(env.get("TUS_EMBEDDED_POSTGRES_DATA_DIRECTORY"));
    }

    public PackagedServer start() throws IOException, InterruptedException {
        ProcessBuilder builder = processBuilder().redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        process = builder.start();
        // Generous: several JVMs may start at once on a machine whose 2 cores other builds share.
        awaitReady(Duration.ofSeconds(180));
        return this;
    }

    /** How a start that is meant to fail ended: its exit code, everything it printed, and how long it ran. */
    public record Exit(int code, String output, Duration took) {
    }

    /** Starts the server expecting it to exit by itself within {@code timeout} (a start that must be refused). */
    public Exit runUntilExit(Duration timeout) throws IOException, InterruptedException {
        long start = System.nanoTime();
        process = processBuilder().start();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                output.append(new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            } catch (IOException e) {
                output.append(e);
            }
        });
        reader.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            reader.join();
            throw new IllegalStateException(name + " did not exit within " + timeout + "; it printed:\n" + output);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        reader.join();
        Files.writeString(log, output, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        return new Exit(process.exitValue(), output.toString(), took);
    }

    private ProcessBuilder processBuilder() {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run the package phase first (./mvnw verify)");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", JAR.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeAll(unset);
        builder.environment().putAll(env);
        return builder;
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
