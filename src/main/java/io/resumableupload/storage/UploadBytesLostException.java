package io.resumableupload.storage;

import java.io.IOException;

/**
 * The storage no longer holds bytes that the upload's committed offset counts (deleted or emptied behind the
 * server's back). The upload cannot be resumed; answered with {@code 410 ERR_UPLOAD_LOST}.
 */
public class UploadBytesLostException extends IOException {

    public UploadBytesLostException(String message) {
        super(message);
    }
}
