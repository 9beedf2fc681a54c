/**
 * Upload lifecycle events, fired as synchronous CDI events after the state change is committed: observe them
 * with {@code @Observes UploadFinished} to react to uploads (move the file, start processing, notify a service).
 */
package io.resumableupload.hooks;
