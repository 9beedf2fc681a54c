package io.resumableupload.hooks;

/**
 * A CDI bean implementing this runs once per upload when it becomes complete: after the state is committed and
 * before the final 204 (or 201) is sent. Its answer's headers are added to that response; it cannot undo the
 * completion (the bytes are stored), as in tusd.
 */
public interface PreFinishHook {
    HookResponse preFinish(HookEvent event);
}
