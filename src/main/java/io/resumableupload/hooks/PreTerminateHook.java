package io.resumableupload.hooks;

/**
 * A CDI bean implementing this runs before an upload is deleted by a client, and may
 * {@linkplain HookResponse#reject reject} the termination (the upload stays).
 */
public interface PreTerminateHook {
    HookResponse preTerminate(HookEvent event);
}
