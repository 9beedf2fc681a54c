package io.resumableupload.client;

import java.nio.file.Path;

/** Run as a separate process by FileUrlStoreTest: writes N entries with a prefix. */
public final class FileUrlStoreWriter {

    private FileUrlStoreWriter() {
    }

    public static void main(String[] args) throws Exception {
        FileUrlStore store = new FileUrlStore(Path.of(args[0]));
        for (int i = 0; i < Integer.parseInt(args[2]); i++) {
            store.put(args[1] + "-" + i, "http://host/files/" + args[1] + "-" + i);
        }
    }
}
