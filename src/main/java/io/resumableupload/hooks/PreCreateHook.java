package io.resumableupload.hooks;

/**
 * A CDI bean implementing this runs before every upload is created, before the HTTP pre-create hook. It may
 * {@linkplain HookResponse#reject reject} the creation (nothing is created), change the metadata
 * ({@link HookResponse#withMetadata}) or choose the id ({@link HookResponse#withId}; an invalid or taken id fails the
 * request). Throwing counts as a failed hook ({@code tus.hooks.http.on-failure}). Beans run in {@code @Priority}
 * order; the event's upload has no offset and its id is the one generated.
 */
public interface PreCreateHook {
    HookResponse preCreate(HookEvent event);
}
