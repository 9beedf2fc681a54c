package io.resumableupload.storage;

import java.io.IOException;

/**
 * The storage has no room for more bytes (a full disk, a quota). The backend gives back what it wrote beyond the
 * committed offset before throwing, so one failed upload does not starve the others. Answered with
 * {@code 507 ERR_STORAGE_FULL}.
 */
public class StorageFullException extends IOException {

    public StorageFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
