package io.resumableupload.upload;

/**
 * Makes upload ids. The default draws 128 bits from a CSPRNG; an application may provide its own bean, and every id
 * it returns is still checked by {@code UploadIds.isValid} before use (an invalid one fails the creation with 500
 * and creates nothing).
 */
public interface UploadIdGenerator {

    /** A new id, unguessable, never derived from client input. */
    String newId();
}
