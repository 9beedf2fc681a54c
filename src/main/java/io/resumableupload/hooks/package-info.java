/**
 * Upload lifecycle events, fired as synchronous CDI events after the state change is committed and the upload's
 * lock released: observe them with {@code @Observes UploadFinished} to react to uploads (move the file, start
 * processing, notify a service). They run before the response is sent; an observer that throws is logged and changes
 * neither the response nor the upload ({@link io.resumableupload.hooks.LifecycleEvents}).
 */
package io.resumableupload.hooks;
