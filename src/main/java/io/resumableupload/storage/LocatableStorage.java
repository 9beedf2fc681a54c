package io.resumableupload.storage;

import java.util.Map;

/**
 * Capability: where an upload's bytes are, for hooks (tusd's {@code Storage} map: {@code Type} plus {@code Path}, or
 * {@code Bucket} and {@code Key}).
 */
public interface LocatableStorage {

    /** The location of {@code uploadId}'s bytes. */
    Map<String, String> location(String uploadId);
}
