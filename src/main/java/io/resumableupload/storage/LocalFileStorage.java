package io.resumableupload.storage;

import java.nio.file.Path;

/**
 * Capability: the upload's bytes are a local file, so a download can be sent with zero-copy {@code sendfile}
 * instead of streamed through the JVM.
 */
public interface LocalFileStorage {

    /** The file holding {@code uploadId}'s bytes. */
    Path fileOf(String uploadId);
}
