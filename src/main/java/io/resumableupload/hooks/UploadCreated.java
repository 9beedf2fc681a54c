package io.resumableupload.hooks;

import io.resumableupload.persistence.UploadRecord;

/** CDI event: an upload was created (its row is committed). */
public record UploadCreated(UploadRecord upload) {
}
