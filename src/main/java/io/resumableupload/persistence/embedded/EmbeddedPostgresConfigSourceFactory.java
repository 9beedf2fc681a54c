package io.resumableupload.persistence.embedded;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.quarkus.runtime.ExecutionMode;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Zero setup: when no {@code quarkus.datasource.jdbc.url} is configured (by any source: environment, system
 * property, application.properties, profile), starts the embedded PostgreSQL and supplies its URL. With a URL
 * configured it starts nothing. {@code tus.embedded-postgres.enabled=false} turns it off; the data lives in
 * {@code tus.embedded-postgres.data-directory} (default {@code data/postgres}).
 *
 * <p>
 * A config source rather than a bean because the datasource reads its URL before any bean exists.
 */
public class EmbeddedPostgresConfigSourceFactory implements ConfigSourceFactory {

    static final String URL = "quarkus.datasource.jdbc.url";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ExecutionMode mode = ExecutionMode.current();
        if (mode != ExecutionMode.RUNTIME_INIT && mode != ExecutionMode.RUNNING) {
            // The build (augmentation) and static init read configuration too; the database is a runtime matter.
            return List.of();
        }
        ConfigValue url = context.getValue(URL);
        if (url != null && url.getValue() != null && !url.getValue().isBlank()) {
            return List.of();
        }
        ConfigValue enabled = context.getValue("tus.embedded-postgres.enabled");
        if (enabled != null && enabled.getValue() != null && !Boolean.parseBoolean(enabled.getValue().strip())) {
            return List.of();
        }
        ConfigValue directory = context.getValue("tus.embedded-postgres.data-directory");
        Path dataDirectory = Path
                .of(directory != null && directory.getValue() != null ? directory.getValue() : "data/postgres");
        String jdbcUrl = EmbeddedPostgres.start(dataDirectory);
        return List.of(new PropertiesConfigSource(Map.of(URL, jdbcUrl, "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", ""), "embedded-postgres", 50));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(50);
    }
}
