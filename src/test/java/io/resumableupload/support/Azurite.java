package io.resumableupload.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.ListBlobsOptions;

import io.resumableupload.storage.azure.AzureClients;

/**
 * A real Azure Blob API for tests: Azurite (npm {@code azurite}, pinned in {@code src/test/azurite}, installed into
 * {@code target/azurite} with {@code npm ci} on first use) as a separate process on a free port, in memory. It ignores
 * SIGTERM in memory mode, so it is stopped with SIGKILL. {@link #shared()} is one instance for the whole test JVM;
 * ITs and benchmarks start their own.
 */
public final class Azurite implements AutoCloseable {

    /** Azurite's well-known development account. */
    public static final String ACCOUNT = "devstoreaccount1";
    public static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    public static final String CONTAINER = "tus-test";
    private static final Path SOURCE = Path.of("src/test/azurite");
    private static final Path INSTALL = Path.of("target/azurite");
    private static Azurite shared;

    private final String name;
    private final int port;
    private Process process;
    private BlobContainerClient container;

    private Azurite(String name, int port) {
        this.name = name;
        this.port = port;
    }

    /** The test JVM's Azurite, started on first use and stopped when the JVM exits. */
    public static synchronized Azurite shared() {
        if (shared == null) {
            try {
                shared = start("azurite");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** Why the Azure tests do not run on a machine without Node.js (JUnit's disabled reason). */
    public static final String NEEDS_NODE = "Azurite needs Node.js and npm on PATH; CI has them and sets "
            + "TUS_TEST_REQUIRE_AZURITE=1, which runs (and fails) these tests without them";

    /**
     * Whether the Azure tests run: npm is on PATH (Azurite comes from npm), or {@code TUS_TEST_REQUIRE_AZURITE} is
     * set (CI), so that a machine with only a JDK runs the rest of {@code ./mvnw verify} and CI never skips them.
     */
    public static boolean runnable() {
        if (System.getenv("TUS_TEST_REQUIRE_AZURITE") != null) {
            return true;
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String directory : path.split(java.io.File.pathSeparator)) {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, "npm"))) {
                return true;
            }
        }
        return false;
    }

    /** A new Azurite with an empty container {@link #CONTAINER}. */
    public static Azurite start(String name) throws IOException {
        Path bin = install();
        Azurite azurite = new Azurite(name, PackagedServer.freePort());
        try {
            azurite.launch(bin);
            azurite.container().create();
        } catch (IOException | RuntimeException e) {
            azurite.close();
            throw e;
        }
        return azurite;
    }

    /** Installs Azurite from npm into target/azurite unless it is there; returns its azurite-blob script. */
    public static synchronized Path install() throws IOException {
        Path bin = INSTALL.resolve("node_modules/.bin/azurite-blob").toAbsolutePath();
        if (Files.isExecutable(bin) && Files.exists(INSTALL.resolve("package-lock.json"))
                && Files.mismatch(INSTALL.resolve("package-lock.json"), SOURCE.resolve("package-lock.json")) == -1) {
            return bin;
        }
        ServiceProcesses.npmCi(SOURCE, INSTALL, "azurite", 10);
        return bin;
    }

    private void launch(Path bin) throws IOException {
        Path log = Path.of("target/it-logs", name + ".log");
        Files.createDirectories(log.getParent());
        process = new ProcessBuilder(bin.toString(), "--blobHost", "127.0.0.1", "--blobPort", String.valueOf(port),
                "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        ServiceProcesses.awaitListening(process, port, "Azurite", log);
    }

    public int port() {
        return port;
    }

    public String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY + ";BlobEndpoint=http://127.0.0.1:"
                + port + "/" + ACCOUNT + ";";
    }

    /** The server settings that point the Azure backend at this Azurite, as config keys. */
    public Map<String, String> config(String prefix) {
        return Map.of("tus.storage.backend", "azure", "tus.storage.azure.container", CONTAINER, "tus.storage.azure.prefix",
                prefix, "tus.storage.azure.connection-string", connectionString(), "tus.storage.azure.block-size", "1M");
    }

    /** The same settings as environment variables, for a packaged server. */
    public Map<String, String> env(String prefix) {
        Map<String, String> env = new HashMap<>();
        config(prefix).forEach((key, value) -> env.put(key.toUpperCase().replace('.', '_').replace('-', '_'), value));
        return env;
    }

    public synchronized BlobContainerClient container() {
        if (container == null) {
            container = new AzureClients(java.util.Optional.of(connectionString()), java.util.Optional.empty(), 3)
                    .container(CONTAINER);
        }
        return container;
    }

    /** Names of the blobs under {@code prefix}, including blobs that have only uncommitted blocks. */
    public List<String> blobs(String prefix) {
        return container().listBlobs(new ListBlobsOptions().setPrefix(prefix)
                .setDetails(new BlobListDetails().setRetrieveUncommittedBlobs(true)), null).stream()
                .map(BlobItem::getName).toList();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            // In memory mode Azurite ignores SIGTERM.
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
