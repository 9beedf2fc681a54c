package io.resumableupload.client;

import java.util.Properties;

import org.eclipse.microprofile.config.ConfigProvider;

import io.quarkus.test.junit.QuarkusTest;

/** JdbcUrlStore on the PostgreSQL the tests use (any JDBC database works; this is the one at hand). */
@QuarkusTest
class JdbcUrlStoreTest extends UrlStoreContract {

    @Override
    UrlStore store() {
        var config = ConfigProvider.getConfig();
        Properties properties = new Properties();
        properties.setProperty("user", config.getOptionalValue("quarkus.datasource.username", String.class).orElse("postgres"));
        config.getOptionalValue("quarkus.datasource.password", String.class)
                .ifPresent(p -> properties.setProperty("password", p));
        return new JdbcUrlStore(config.getValue("quarkus.datasource.jdbc.url", String.class), properties);
    }
}
