package io.resumableupload.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.condition.EnabledIf;

import io.resumableupload.support.Azurite;
import io.resumableupload.support.PackagedServer;
import io.resumableupload.support.Poll;

/**
 * {@link MultiReplicaIT} on Azure with no shared directory: 3 replicas, one PostgreSQL, one container (an Azurite of
 * its own), each replica with its own spool and an upload directory it never uses. Uploads of 1 to 7 MiB with 1 MiB
 * blocks, so PATCHes are cut inside blocks, across block boundaries and just after a short committed block, and a
 * replica is killed with -9 while blocks are staged but not committed.
 */
@EnabledIf(value = "io.resumableupload.support.Azurite#runnable", disabledReason = Azurite.NEEDS_NODE)
class AzureMultiReplicaIT extends MultiReplicaIT {

    private static final String SPOOLS = Path.of("target/azure-multi-spool-").toAbsolutePath().toString();
    private Azurite azurite;

    @Override
    Map<String, String> storageEnv(int replica) throws IOException {
        synchronized (this) {
            if (azurite == null) {
                azurite = Azurite.start("multi-azurite");
            }
        }
        Map<String, String> env = new HashMap<>(azurite.env("multi/"));
        Path spool = Path.of(SPOOLS + replica);
        Files.createDirectories(spool);
        env.put("TUS_STORAGE_AZURE_SPOOL_DIRECTORY", spool.toString());
        env.put("TUS_STORAGE_FILESYSTEM_DIRECTORY", "target/azure-multi-unused-" + replica);
        return env;
    }

    /** Spool files have no name (unlinked at creation): they are found among the replica's open files. */
    @Override
    void awaitReceived(PackagedServer replica, String path, long bytes) throws Exception {
        Poll.until(bytes + " bytes spooled by " + replica.pid(), Duration.ofSeconds(10), () -> {
            try (var fds = Files.list(Path.of("/proc/" + replica.pid() + "/fd"))) {
                for (Path fd : (Iterable<Path>) fds::iterator) {
                    try {
                        if (Files.readSymbolicLink(fd).toString().startsWith(SPOOLS) && Files.size(fd) >= bytes) {
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

    @Override
    int uploads() {
        return 36;
    }

    @Override
    int sizeOf(int n) {
        return 1024 * 1024 + ThreadLocalRandom.current().nextInt(6 * 1024 * 1024);
    }

    @Override
    @AfterAll
    void stop() throws Exception {
        try {
            super.stop();
        } finally {
            if (azurite != null) {
                azurite.close();
            }
        }
    }
}
