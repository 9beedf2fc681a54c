package io.resumableupload.storage.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.resumableupload.storage.UploadStorage;
import io.resumableupload.support.Tus;

/**
 * A creation-with-upload writes its body before its row is committed, so a kill between the two leaves a file no
 * row names: the reclaimer deletes such files once they are an hour old, and nothing else.
 */
@QuarkusTest
class FileSystemReclaimerTest {

    @Inject
    UploadStorage storage;

    @Inject
    FileSystemReclaimer reclaimer;

    @Test
    void deletes_old_files_without_a_row_and_keeps_every_other() throws Exception {
        FileSystemStorage files = (FileSystemStorage) storage;
        FileTime twoHoursAgo = FileTime.from(Instant.now().minus(Duration.ofHours(2)));

        byte[] data = Tus.randomBytes(1000, 11);
        String path = Tus.tus().header("Upload-Length", 2000).contentType("application/offset+octet-stream").body(data)
                .post("/files").then().statusCode(201).extract().header("Location");
        Path withRow = files.fileOf(Tus.idOf(Tus.pathOf(path)));
        Files.setLastModifiedTime(withRow, twoHoursAgo);

        Path orphan = files.fileOf("0rphanFileLeftByAKill9xx");
        Files.write(orphan, data);
        Files.setLastModifiedTime(orphan, twoHoursAgo);
        Path youngOrphan = files.fileOf("youngFileOfACreation0000");
        Files.write(youngOrphan, data);
        Path notAnUpload = withRow.resolveSibling("notes.txt");
        Files.write(notAnUpload, data);
        Files.setLastModifiedTime(notAnUpload, twoHoursAgo);
        try {
            // At least ours: other test classes share the directory (and may have emptied the table under theirs).
            assertTrue(reclaimer.reclaimOrphans() >= 1);
            assertFalse(Files.exists(orphan), "the old file without a row is still there");
            assertTrue(Files.exists(withRow), "an upload's file was deleted");
            assertTrue(Files.exists(youngOrphan), "a file younger than an hour was deleted");
            assertTrue(Files.exists(notAnUpload), "a file not named like an upload was deleted");
            assertEquals(1000, Tus.offset(Tus.pathOf(path)));
            assertEquals(0, reclaimer.reclaimOrphans());
        } finally {
            Files.deleteIfExists(orphan);
            Files.deleteIfExists(youngOrphan);
            Files.deleteIfExists(notAnUpload);
        }
    }
}
