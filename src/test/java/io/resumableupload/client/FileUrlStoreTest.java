package io.resumableupload.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class FileUrlStoreTest extends UrlStoreContract {

    @Override
    UrlStore store() throws Exception {
        return new FileUrlStore(Files.createTempDirectory("url-store").resolve("store.tsv"));
    }

    /** Several processes writing the same file at once lose no entry (OS file lock + atomic replace). */
    @Test
    void processes_sharing_the_file_lose_nothing() throws Exception {
        Path file = Files.createTempDirectory("url-store").resolve("shared.tsv");
        List<Process> writers = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            writers.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), FileUrlStoreWriter.class.getName(), file.toString(), "p" + p, "50")
                    .inheritIO().start());
        }
        for (Process writer : writers) {
            assertEquals(0, writer.waitFor());
        }
        FileUrlStore store = new FileUrlStore(file);
        for (int p = 0; p < 4; p++) {
            for (int i = 0; i < 50; i++) {
                assertEquals(Optional.of("http://host/files/p" + p + "-" + i), store.get("p" + p + "-" + i));
            }
        }
    }
}
