/**
 * Hooks: how applications and other services refuse, shape and follow uploads (README "Hooks").
 *
 * <ul>
 * <li>The public event model: {@link io.resumableupload.hooks.UploadInfo} (a snapshot of the upload),
 * {@link io.resumableupload.hooks.RequestInfo} (the request), {@link io.resumableupload.hooks.HookEvent},
 * {@link io.resumableupload.hooks.HookResponse}; no persistence or JAX-RS type.</li>
 * <li>Blocking points as CDI beans: {@link io.resumableupload.hooks.PreCreateHook},
 * {@link io.resumableupload.hooks.PreAccessHook}, {@link io.resumableupload.hooks.PreFinishHook},
 * {@link io.resumableupload.hooks.PreTerminateHook}, run by {@link io.resumableupload.hooks.Hooks} before the HTTP
 * hook.</li>
 * <li>Post-* CDI events ({@link io.resumableupload.hooks.UploadCreated}, {@code UploadProgress}, {@code UploadFinished},
 * {@code UploadTerminated}, {@code UploadExpired}), fired by {@link io.resumableupload.hooks.LifecycleEvents} after the
 * change is committed and the lock released; an observer that throws is logged and changes nothing.</li>
 * <li>HTTP hooks in tusd v2's wire format ({@link io.resumableupload.hooks.HttpHooks}); post-* events reach them
 * from the {@code hook_outbox} table, written with the state change and delivered at least once, in order per upload,
 * by any replica ({@link io.resumableupload.hooks.HookOutbox}).</li>
 * </ul>
 */
package io.resumableupload.hooks;
