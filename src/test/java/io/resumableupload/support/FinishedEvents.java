package io.resumableupload.support;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.resumableupload.hooks.UploadFinished;

/** Counts UploadFinished events per upload (RELIABILITY B15: exactly once). */
@ApplicationScoped
public class FinishedEvents {

    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    void onFinished(@Observes UploadFinished event) {
        counts.computeIfAbsent(event.upload().id(), id -> new AtomicInteger()).incrementAndGet();
    }

    public int count(String uploadId) {
        AtomicInteger count = counts.get(uploadId);
        return count == null ? 0 : count.get();
    }
}
