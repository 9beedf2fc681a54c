package io.resumableupload.client;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link UrlStore} in this JVM's memory: resumes within a run, forgets on exit. */
public final class MemoryUrlStore implements UrlStore {

    private final Map<String, String> values = new ConcurrentHashMap<>();

    @Override
    public Optional<String> get(String fingerprint) {
        return Optional.ofNullable(values.get(fingerprint));
    }

    @Override
    public void put(String fingerprint, String value) {
        values.put(fingerprint, value);
    }

    @Override
    public void remove(String fingerprint) {
        values.remove(fingerprint);
    }
}
