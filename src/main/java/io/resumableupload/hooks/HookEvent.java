package io.resumableupload.hooks;

/**
 * One hook invocation: which hook, the upload and the request (tusd's HookEvent).
 *
 * @param type the hook
 * @param upload the upload as it is at this point
 * @param request the request that caused it, or {@link RequestInfo#NONE}
 */
public record HookEvent(HookType type, UploadInfo upload, RequestInfo request) {
}
