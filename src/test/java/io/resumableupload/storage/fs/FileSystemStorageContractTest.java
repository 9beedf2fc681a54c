package io.resumableupload.storage.fs;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;

import io.resumableupload.storage.UploadStorage;
import io.resumableupload.storage.UploadStorageContract;

/** The filesystem backend runs the storage contract on a directory of its own. */
class FileSystemStorageContractTest extends UploadStorageContract {

    private static final Path DIRECTORY = Path.of("target/contract-uploads");

    @Override
    protected UploadStorage storage() throws Exception {
        return new FileSystemStorage(DIRECTORY, true);
    }

    @Override
    protected int partSize() {
        return 256 * 1024;
    }

    @Override
    protected void assertNothingStored(String uploadId) {
        assertFalse(Files.exists(DIRECTORY.resolve(uploadId)));
    }
}
