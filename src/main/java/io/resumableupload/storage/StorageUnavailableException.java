package io.resumableupload.storage;

import java.io.IOException;

/**
 * The storage cannot take or serve bytes right now (unreachable, throttled past its retries, a read-only mount,
 * missing permissions): nothing the request asked for was changed, and the client may retry later. Answered with
 * {@code 503 ERR_STORAGE_UNAVAILABLE}.
 */
public class StorageUnavailableException extends IOException {

    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
