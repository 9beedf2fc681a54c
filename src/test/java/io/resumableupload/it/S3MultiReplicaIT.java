package io.resumableupload.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterAll;

import io.resumableupload.support.PackagedServer;
import io.resumableupload.support.Poll;
import io.resumableupload.support.S3Proxy;

/**
 * {@link MultiReplicaIT} on S3 with no shared directory: 3 replicas, one PostgreSQL, one bucket (an s3proxy of its
 * own), each replica with its own spool and upload directory. Uploads of 2 to 14 MiB with 5 MiB parts, so PATCHes are
 * cut inside parts, across part boundaries and inside tails, and a replica is killed with -9 while parts are in
 * flight.
 */
class S3MultiReplicaIT extends MultiReplicaIT {

    private S3Proxy s3;

    @Override
    Map<String, String> storageEnv(int replica) throws IOException {
        synchronized (this) {
            if (s3 == null) {
                s3 = S3Proxy.start("multi-s3proxy");
            }
        }
        Map<String, String> env = new HashMap<>(s3.env("multi/"));
        env.put("TUS_STORAGE_S3_SPOOL_DIRECTORY", spool(replica).toString());
        env.put("TUS_STORAGE_FILESYSTEM_DIRECTORY", "target/multi-unused-" + replica);
        return env;
    }

    private static Path spool(int replica) {
        return Path.of("target/multi-spool-" + replica).toAbsolutePath();
    }

    /** Spool files have no name (unlinked at creation): they are found among the replica's open files. */
    @Override
    void awaitReceived(PackagedServer replica, String path, long bytes) throws Exception {
        Path spool = spool(0);
        Poll.until(bytes + " bytes spooled by " + replica.pid(), Duration.ofSeconds(60), () -> {
            try (var fds = Files.list(Path.of("/proc/" + replica.pid() + "/fd"))) {
                for (Path fd : (Iterable<Path>) fds::iterator) {
                    try {
                        if (Files.readSymbolicLink(fd).toString().startsWith(spool.toString()) && Files.size(fd) >= bytes) {
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
        return 2 * 1024 * 1024 + ThreadLocalRandom.current().nextInt(12 * 1024 * 1024);
    }

    @Override
    @AfterAll
    void stop() throws Exception {
        try {
            super.stop();
        } finally {
            if (s3 != null) {
                s3.close();
            }
        }
    }
}
