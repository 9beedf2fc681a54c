package io.resumableupload.it;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterAll;

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
        env.put("TUS_STORAGE_S3_SPOOL_DIRECTORY", "target/multi-spool-" + replica);
        env.put("TUS_STORAGE_FILESYSTEM_DIRECTORY", "target/multi-unused-" + replica);
        return env;
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
