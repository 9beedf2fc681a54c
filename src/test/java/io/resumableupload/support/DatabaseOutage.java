package io.resumableupload.support;

import java.io.IOException;
import java.net.URI;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Puts an {@link OutageProxy} between the server and its PostgreSQL (the one the environment names, else an
 * embedded one), so a test can take the database away while requests run.
 */
public class DatabaseOutage implements QuarkusTestResourceLifecycleManager {

    private static volatile OutageProxy proxy;
    private SharedDatabase database;

    @Override
    public Map<String, String> start() {
        try {
            database = new SharedDatabase("outage");
            String url = database.jdbcUrl();
            URI target = URI.create(url.substring("jdbc:".length()));
            proxy = new OutageProxy(target.getHost(), target.getPort());
            String proxied = url.replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/");
            Map<String, String> env = database.env();
            return Map.of("quarkus.datasource.jdbc.url", proxied, "quarkus.datasource.username",
                    env.get("QUARKUS_DATASOURCE_USERNAME"), "quarkus.datasource.password",
                    env.get("QUARKUS_DATASOURCE_PASSWORD"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the database proxy", e);
        }
    }

    @Override
    public void stop() {
        try {
            if (proxy != null) {
                proxy.close();
            }
            if (database != null) {
                database.close();
            }
        } catch (IOException ignored) {
            // shutting down
        }
    }

    /** The proxy in front of the database. */
    public static OutageProxy proxy() {
        return proxy;
    }
}
