package io.resumableupload.storage;

import java.io.IOException;

/**
 * Capability: the storage has a finite room it can measure (a filesystem), exported as the
 * {@code tus_storage_free_bytes} gauge. Object stores have no such limit and do not implement it.
 */
public interface FreeSpaceReporting {

    /** Bytes that uploads can still use now. */
    long freeBytes() throws IOException;
}
