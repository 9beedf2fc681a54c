package io.resumableupload.lock;

import java.sql.DriverManager;
import java.util.Properties;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.AgroalConnectionFactoryConfiguration;
import io.agroal.api.security.SimplePassword;
import io.quarkus.redis.datasource.RedisDataSource;
import io.resumableupload.config.TusConfig;
import io.resumableupload.lock.memory.MemoryUploadLocks;
import io.resumableupload.lock.postgres.PostgresUploadLocks;
import io.resumableupload.lock.redis.RedisUploadLocks;
import io.resumableupload.persistence.embedded.EmbeddedPostgres;

/** The one place that picks the lock backend from {@code tus.lock.backend}. */
public class LockProducer {

    private static final Logger LOG = Logger.getLogger(LockProducer.class);

    @Produces
    @Singleton
    UploadLocks locks(TusConfig config, Instance<AgroalDataSource> dataSource, Instance<RedisDataSource> redis) {
        TusConfig.LockBackend backend = backend(config);
        LOG.infof("upload locks: %s", backend.name().toLowerCase(java.util.Locale.ROOT));
        TusConfig.Lock lock = config.lock();
        return switch (backend) {
            case MEMORY -> new MemoryUploadLocks();
            case POSTGRES -> new PostgresUploadLocks(dataSource.get(), physicalConnections(dataSource.get()),
                    lock.postgres().sessions(), lock.postgres().heartbeat());
            case REDIS -> new RedisUploadLocks(redis.get(), lock.redis().leaseTtl(), lock.redis().keyPrefix());
        };
    }

    void close(@Disposes UploadLocks locks) throws Exception {
        if (locks instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    /** Opens connections of their own with the pool's URL and credentials (for sessions that must really end). */
    static PostgresUploadLocks.Connector physicalConnections(AgroalDataSource pool) {
        AgroalConnectionFactoryConfiguration factory = pool.getConfiguration().connectionPoolConfiguration()
                .connectionFactoryConfiguration();
        Properties properties = new Properties();
        properties.putAll(factory.jdbcProperties());
        if (factory.principal() != null) {
            properties.setProperty("user", factory.principal().getName());
        }
        for (Object credential : factory.credentials()) {
            if (credential instanceof SimplePassword password) {
                properties.setProperty("password", password.getWord());
            }
        }
        // The server notices a vanished replica's sessions (and frees their locks) through TCP keepalive too.
        properties.setProperty("tcpKeepAlive", "true");
        String url = factory.jdbcUrl();
        return () -> DriverManager.getConnection(url, properties);
    }

    /**
     * The configured backend; unset, PostgreSQL locks on an external database (safe for any number of replicas)
     * and memory locks with the embedded one (no other replica can reach it).
     */
    public static TusConfig.LockBackend backend(TusConfig config) {
        return config.lock().backend().orElse(EmbeddedPostgres.isRunning() ? TusConfig.LockBackend.MEMORY
                : TusConfig.LockBackend.POSTGRES);
    }
}
