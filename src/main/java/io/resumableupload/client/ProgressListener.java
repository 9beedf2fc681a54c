package io.resumableupload.client;

/**
 * Receives progress. Called from the thread that sends the data, at most every {@code progressInterval} and once
 * when the upload completes; keep it quick.
 */
@FunctionalInterface
public interface ProgressListener {

    void onProgress(UploadStats stats);
}
