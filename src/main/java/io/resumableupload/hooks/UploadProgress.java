package io.resumableupload.hooks;

/**
 * CDI event (post-receive): bytes of an upload arrived; fired at most once per {@code tus.hooks.progress-interval}
 * per upload while a PATCH streams, from a worker thread. {@link #upload()} is the upload with the offset received so
 * far (not yet all durable). An observer may {@link #stopUpload()}: the PATCH ends with 400 ERR_UPLOAD_STOPPED and
 * the upload is terminated, as tusd does on StopUpload.
 */
public record UploadProgress(UploadInfo upload, RequestInfo request, Runnable stopper) {

    /** Stops the upload: the PATCH is cut off and the upload deleted. */
    public void stopUpload() {
        stopper.run();
    }
}
