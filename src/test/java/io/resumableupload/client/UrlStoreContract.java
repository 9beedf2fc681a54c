package io.resumableupload.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** What every {@link UrlStore} must do; one subclass per implementation. */
abstract class UrlStoreContract {

    abstract UrlStore store() throws Exception;

    @Test
    void stores_finds_replaces_and_removes() throws Exception {
        UrlStore store = store();
        String key = UUID.randomUUID().toString();
        assertEquals(Optional.empty(), store.get(key));
        store.put(key, "http://host/files/a");
        assertEquals(Optional.of("http://host/files/a"), store.get(key));
        store.put(key, "parallel http://host/files/b http://host/files/c");
        assertEquals(Optional.of("parallel http://host/files/b http://host/files/c"), store.get(key));
        store.remove(key);
        assertEquals(Optional.empty(), store.get(key));
        store.remove(key);
    }

    @Test
    void concurrent_writers_lose_nothing() throws Exception {
        UrlStore store = store();
        String prefix = UUID.randomUUID().toString();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> puts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int n = i;
            puts.add(pool.submit(() -> {
                store.put(prefix + n, "http://host/files/" + n);
                return null;
            }));
        }
        for (Future<?> put : puts) {
            put.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        for (int i = 0; i < 200; i++) {
            assertEquals(Optional.of("http://host/files/" + i), store.get(prefix + i));
        }
    }
}
