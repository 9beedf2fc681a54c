package io.resumableupload.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** The test application on the Azure backend, against the shared Azurite. */
public class AzureProfile implements QuarkusTestProfile {

    public static final String PREFIX = "verbs/";
    /** The application's spool directory (a @QuarkusTest application runs in the test's own JVM). */
    public static final Path SPOOL = Path.of("target/azure-verbs-spool").toAbsolutePath();

    @Override
    public Map<String, String> getConfigOverrides() {
        if (!Azurite.runnable()) {
            // Quarkus reads test profiles while it discovers the tests, before @EnabledIf has disabled the Azure
            // classes: without Node.js nothing may start here, and no application is started with this.
            return Map.of("tus.storage.backend", "azure");
        }
        try {
            Files.createDirectories(SPOOL);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<String, String> config = new HashMap<>(Azurite.shared().config(PREFIX));
        config.put("tus.storage.azure.spool-directory", SPOOL.toString());
        return config;
    }

    /**
     * Waits until an append has spooled at least {@code bytes}: the server has read them. Spool files have no name
     * (unlinked at creation), so they are found among this JVM's open files.
     */
    public static void awaitSpooled(long bytes) throws InterruptedException {
        Poll.until(bytes + " bytes in a spool file", Duration.ofSeconds(10), () -> {
            try (var fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : (Iterable<Path>) fds::iterator) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith(SPOOL.toString()) && Files.size(fd) >= bytes) {
                            return true;
                        }
                    } catch (IOException closed) {
                        // closed while listing
                    }
                }
            }
            return false;
        });
    }
}
