package io.resumableupload.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import redis.embedded.RedisServer;

/**
 * Redis for tests, like the database: the one {@code TUS_TEST_REDIS_URL} names, else the machine's on
 * 127.0.0.1:6379 if it answers (CI starts one), else an embedded Redis (binaries from Maven Central) on a free port.
 */
public class RedisResource implements QuarkusTestResourceLifecycleManager {

    private RedisServer embedded;

    @Override
    public Map<String, String> start() {
        String url = System.getenv("TUS_TEST_REDIS_URL");
        if (url == null && answers("127.0.0.1", 6379)) {
            url = "redis://127.0.0.1:6379";
        }
        if (url == null) {
            try {
                int port = PackagedServer.freePort();
                embedded = new RedisServer(port);
                embedded.start();
                url = "redis://127.0.0.1:" + port;
            } catch (IOException e) {
                throw new IllegalStateException("could not start an embedded Redis", e);
            }
        }
        return Map.of("quarkus.redis.hosts", url);
    }

    @Override
    public void stop() {
        if (embedded != null) {
            try {
                embedded.stop();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    private static boolean answers(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
