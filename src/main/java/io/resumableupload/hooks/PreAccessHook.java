package io.resumableupload.hooks;

/**
 * A CDI bean implementing this runs before every HEAD, PATCH, GET and DELETE of an existing upload (after the
 * built-in ownership check), and may {@linkplain HookResponse#reject reject} it: authorization beyond ownership
 * (tusd#1077). The event's request says which method.
 */
public interface PreAccessHook {
    HookResponse preAccess(HookEvent event);
}
