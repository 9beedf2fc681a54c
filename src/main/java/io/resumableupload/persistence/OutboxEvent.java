package io.resumableupload.persistence;

import java.util.UUID;

/**
 * A post-* hook event to write to the {@code hook_outbox} table together with the state change it reports (schema
 * in V5__hook_outbox.sql; delivered by io.resumableupload.hooks.HookOutbox).
 *
 * @param eventId stable across retries (the receiver's deduplication key)
 * @param uploadId the upload it is about (delivery is in order per upload)
 * @param type the hook's wire name, e.g. {@code post-finish}
 * @param payload the request body to send
 */
public record OutboxEvent(UUID eventId, String uploadId, String type, String payload) {

    public OutboxEvent(String uploadId, String type, String payload) {
        this(UUID.randomUUID(), uploadId, type, payload);
    }
}
