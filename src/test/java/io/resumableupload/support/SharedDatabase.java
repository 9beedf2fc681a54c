package io.resumableupload.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * One PostgreSQL for several server processes: the one QUARKUS_DATASOURCE_JDBC_URL names (CI), else an embedded
 * one this test JVM starts. {@link #env()} is what each replica gets.
 */
public final class SharedDatabase implements AutoCloseable {

    private final EmbeddedPostgres embedded;
    private final Map<String, String> env = new HashMap<>();

    public SharedDatabase(String name) throws IOException {
        String url = System.getenv("QUARKUS_DATASOURCE_JDBC_URL");
        if (url != null && !url.isBlank()) {
            embedded = null;
            env.put("QUARKUS_DATASOURCE_JDBC_URL", url);
            env.put("QUARKUS_DATASOURCE_USERNAME", System.getenv().getOrDefault("QUARKUS_DATASOURCE_USERNAME", "postgres"));
            env.put("QUARKUS_DATASOURCE_PASSWORD", System.getenv().getOrDefault("QUARKUS_DATASOURCE_PASSWORD", ""));
        } else {
            Path data = Path.of("target", name + "-shared-postgres");
            Files.createDirectories(data.getParent());
            embedded = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(true).start();
            env.put("QUARKUS_DATASOURCE_JDBC_URL", embedded.getJdbcUrl("postgres", "postgres"));
            env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
            env.put("QUARKUS_DATASOURCE_PASSWORD", "");
        }
    }

    /** The datasource settings for a replica. */
    public Map<String, String> env() {
        return Map.copyOf(env);
    }

    public String jdbcUrl() {
        return env.get("QUARKUS_DATASOURCE_JDBC_URL");
    }

    @Override
    public void close() throws IOException {
        if (embedded != null) {
            embedded.close();
        }
    }
}
