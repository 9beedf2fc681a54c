package io.resumableupload.support;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * The Cloud Storage JSON API of the Firebase emulator (npm {@code firebase-tools}, pinned in
 * {@code src/test/gcs-emulator}, installed into {@code target/gcs-emulator} with {@code npm ci} on first use), started
 * by {@code src/test/gcs-emulator/start.js} with Node.js alone: no Java 21, and its Storage Rules runtime (a jar it would
 * download from storage.googleapis.com) replaced by a no-op, which the JSON API does not use. One process per test
 * class, on a free port, blobs in a temporary directory.
 * <p>
 * It is the only GCS emulator that installs here, and a partial one (STORAGE-CLOUD.md §3, checked again for
 * {@code GcsSdkEmulatorTest}): single-request writes, reads (ranged), object metadata, list and delete work;
 * <b>generation preconditions are ignored</b> (an {@code ifGenerationMatch=0} write over an existing object succeeds),
 * generations are the write's time in milliseconds, compose, rewrite and bucket metadata answer 501, and a resumable
 * upload accepts one chunk only. Opt-in ({@link #runnable()}), because {@code npm ci} of firebase-tools is 624 packages,
 * 311 MB, and took 7 minutes with an empty npm cache and 5 to 15 with a full one on this shared 2-core machine: too
 * much for CI, where the emulator tests would take 10 seconds.
 */
public final class GcsEmulator implements AutoCloseable {

    public static final String BUCKET = "tus-test";
    private static final Path SOURCE = Path.of("src/test/gcs-emulator");
    private static final Path INSTALL = Path.of("target/gcs-emulator");

    /** Why the emulator tests are skipped (JUnit's disabled reason). */
    public static final String OPT_IN = "the Firebase Storage emulator (npm firebase-tools, 311 MB, minutes to install) "
            + "runs only with TUS_TEST_GCS_EMULATOR=1 and Node.js and npm on PATH";

    private final int port;
    private final Path log;
    private Process process;

    private GcsEmulator(int port, Path log) {
        this.port = port;
        this.log = log;
    }

    /** Whether the emulator tests run: only when asked for with {@code TUS_TEST_GCS_EMULATOR} (then they must). */
    public static boolean runnable() {
        String flag = System.getenv("TUS_TEST_GCS_EMULATOR");
        return flag != null && !flag.isBlank() && !flag.equals("0");
    }

    /** A new emulator, listening. */
    public static GcsEmulator start(String name) throws IOException {
        Path directory = install();
        Path log = Path.of("target/it-logs", name + ".log");
        Files.createDirectories(log.getParent());
        GcsEmulator emulator = new GcsEmulator(PackagedServer.freePort(), log);
        try {
            emulator.launch(directory);
        } catch (IOException | RuntimeException e) {
            emulator.close();
            throw e;
        }
        return emulator;
    }

    /** Installs firebase-tools from npm into target/gcs-emulator unless the same lock is there; returns the folder. */
    public static synchronized Path install() throws IOException {
        Files.createDirectories(INSTALL);
        Files.copy(SOURCE.resolve("start.js"), INSTALL.resolve("start.js"), StandardCopyOption.REPLACE_EXISTING);
        if (Files.isDirectory(INSTALL.resolve("node_modules/firebase-tools"))
                && Files.exists(INSTALL.resolve("package-lock.json"))
                && Files.mismatch(INSTALL.resolve("package-lock.json"), SOURCE.resolve("package-lock.json")) == -1) {
            return INSTALL.toAbsolutePath();
        }
        ServiceProcesses.npmCi(SOURCE, INSTALL, "gcs-emulator", 15);
        return INSTALL.toAbsolutePath();
    }

    private void launch(Path directory) throws IOException {
        process = new ProcessBuilder("node", "start.js", String.valueOf(port)).directory(directory.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        ServiceProcesses.awaitListening(process, port, "the GCS emulator", log);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
