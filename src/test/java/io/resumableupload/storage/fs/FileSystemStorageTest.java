package io.resumableupload.storage.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.resumableupload.storage.AppendSink;
import io.resumableupload.storage.StorageFullException;
import io.resumableupload.storage.StorageUnavailableException;
import io.resumableupload.storage.UploadBytesLostException;

/** The filesystem backend on its own: full disks, lost files, a vanished directory, zero-length partials. */
class FileSystemStorageTest {

    private static final int MIB = 1024 * 1024;

    private final Path directory = Path.of("target", "fs-storage-test", UUID.randomUUID().toString());
    private final AtomicLong freeSpace = new AtomicLong(Long.MAX_VALUE / 2);

    @AfterEach
    void removeDirectory() throws IOException {
        deleteTree(directory);
    }

    private static void deleteTree(Path root) throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    /**
     * Issue 7.13, the truncation: when the disk runs short, every byte written since the last offset a sync reported
     * is given back at once (those bytes can never be acknowledged), the reported ones stay.
     */
    @Test
    void running_out_of_space_gives_back_every_byte_no_sync_reported() throws Exception {
        FileSystemStorage storage = new FileSystemStorage(directory, true, 4096, freeSpace::get, "");
        String id = id();
        byte[] first = bytes(100, 1);
        try (AppendSink sink = storage.openAppend(id, 0, null)) {
            sink.write(new ByteBuffer[] { ByteBuffer.wrap(first) });
            assertEquals(100, sink.sync());
            sink.write(new ByteBuffer[] { ByteBuffer.wrap(new byte[MIB]) });
            assertEquals(100 + MIB, Files.size(storage.fileOf(id)));
            freeSpace.set(4096);
            assertThrows(StorageFullException.class, () -> sink.write(new ByteBuffer[] { ByteBuffer.wrap(new byte[10]) }));
            assertEquals(100, Files.size(storage.fileOf(id)), "unacknowledged bytes stayed on disk");
            assertEquals(100, sink.sync());
        }
        assertArrayEquals(first, Files.readAllBytes(storage.fileOf(id)));
    }

    @Test
    void a_minimum_free_space_of_zero_is_never_checked() throws Exception {
        freeSpace.set(0);
        FileSystemStorage storage = new FileSystemStorage(directory, false, 0, freeSpace::get, "");
        try (AppendSink sink = storage.openAppend(id(), 0, null)) {
            sink.write(new ByteBuffer[] { ByteBuffer.wrap(new byte[2 * MIB]) });
            assertEquals(2 * MIB, sink.sync());
        }
    }

    @Test
    void a_concatenation_that_would_go_below_the_minimum_free_space_is_refused_before_copying() throws Exception {
        FileSystemStorage storage = new FileSystemStorage(directory, false, 4096, freeSpace::get, "");
        String partial = stored(storage, bytes(10_000, 2));
        freeSpace.set(12_000);
        String target = id();
        assertThrows(StorageFullException.class, () -> storage.concatenate(target, List.of(partial)));
        assertFalse(Files.exists(storage.fileOf(target)));
    }

    /** Issue 7.1: a zero-length upload has no file; as a partial it counts as empty. */
    @Test
    void a_partial_without_a_file_concatenates_as_empty() throws Exception {
        FileSystemStorage storage = new FileSystemStorage(directory, true);
        byte[] data = bytes(1000, 3);
        String full = stored(storage, data);
        String empty = id();
        String target = id();
        assertEquals(2000, storage.concatenate(target, List.of(empty, full, empty, full)));
        byte[] expected = Arrays.copyOf(data, 2000);
        System.arraycopy(data, 0, expected, 1000, 1000);
        assertArrayEquals(expected, Files.readAllBytes(storage.fileOf(target)));
    }

    /** Issue 7.7: bytes the offset counts are gone: lost, and no empty file is created in their place. */
    @Test
    void a_file_missing_or_short_of_its_committed_offset_is_lost() throws Exception {
        FileSystemStorage storage = new FileSystemStorage(directory, true);
        String missing = id();
        assertThrows(UploadBytesLostException.class, () -> storage.openAppend(missing, 10, null));
        assertFalse(Files.exists(storage.fileOf(missing)));
        String shortened = stored(storage, bytes(5, 4));
        assertThrows(UploadBytesLostException.class, () -> storage.openAppend(shortened, 10, null));
    }

    /** Issue 7.7: the upload directory deleted under a running server is created again by the next write. */
    @Test
    void a_deleted_upload_directory_is_created_again() throws Exception {
        FileSystemStorage storage = new FileSystemStorage(directory, true);
        Files.delete(directory);
        String id = stored(storage, bytes(10, 5));
        assertEquals(10, Files.size(storage.fileOf(id)));
        // Readiness too, or a replica whose directory vanished would never get the request that recreates it.
        deleteTree(directory);
        storage.checkWritable();
        assertTrue(Files.isDirectory(directory));
    }

    /**
     * tus.storage.filesystem.sync-directory: a new file's first sync fsyncs the directory unless the file system's
     * own fsync of the file covers its entry (ext4, XFS), or always when told; appends to existing files never do.
     */
    @Test
    void a_new_file_fsyncs_its_directory_only_where_its_own_fsync_does_not_cover_the_entry() throws Exception {
        FileSystemStorage ext4 = new FileSystemStorage(directory, true, 0, freeSpace::get, "ext4");
        stored(ext4, bytes(10, 6));
        assertEquals(0, ext4.directorySyncs());
        FileSystemStorage nfs = new FileSystemStorage(directory, true, 0, freeSpace::get, "nfs4");
        String id = stored(nfs, bytes(10, 7));
        assertEquals(1, nfs.directorySyncs());
        try (AppendSink sink = nfs.openAppend(id, 10, null)) {
            sink.write(new ByteBuffer[] { ByteBuffer.wrap(bytes(10, 8)) });
            sink.sync();
        }
        assertEquals(1, nfs.directorySyncs(), "the file existed with acknowledged bytes: no directory fsync");
        // A file at offset 0 that exists (its creating append ended before its sync) is treated as new.
        String cut = id();
        try (AppendSink first = nfs.openAppend(cut, 0, null)) {
            first.write(new ByteBuffer[] { ByteBuffer.wrap(bytes(10, 11)) });
        }
        try (AppendSink second = nfs.openAppend(cut, 0, null)) {
            second.write(new ByteBuffer[] { ByteBuffer.wrap(bytes(10, 12)) });
            second.sync();
        }
        assertEquals(2, nfs.directorySyncs(), "a file found at offset 0 may be new");
        FileSystemStorage always = new FileSystemStorage(directory, true, 0, freeSpace::get, null);
        stored(always, bytes(10, 9));
        always.concatenate(id(), List.of(id));
        assertEquals(2, always.directorySyncs(), "a new upload file and a new final");
        FileSystemStorage noFsync = new FileSystemStorage(directory, false, 0, freeSpace::get, "nfs4");
        stored(noFsync, bytes(10, 10));
        assertEquals(0, noFsync.directorySyncs());
        assertTrue(FileSystemStorage.fileSyncCoversNewEntry("xfs"));
        assertFalse(FileSystemStorage.fileSyncCoversNewEntry("overlay"));
        assertFalse(FileSystemStorage.fileSyncCoversNewEntry("btrfs"));
    }

    @Test
    void io_failures_are_classified_by_their_cause() {
        assertInstanceOf(StorageFullException.class,
                FileSystemStorage.classify(new IOException("No space left on device")));
        assertInstanceOf(StorageFullException.class,
                FileSystemStorage.classify(new FileSystemException("/x", null, "Disk quota exceeded")));
        assertInstanceOf(StorageUnavailableException.class,
                FileSystemStorage.classify(new FileSystemException("/x", null, "Read-only file system")));
        assertInstanceOf(StorageUnavailableException.class,
                FileSystemStorage.classify(new java.nio.file.AccessDeniedException("/x")));
        IOException other = new IOException("something else");
        assertEquals(other, FileSystemStorage.classify(other));
    }

    private static String stored(FileSystemStorage storage, byte[] data) throws IOException {
        String id = id();
        try (AppendSink sink = storage.openAppend(id, 0, null)) {
            sink.write(new ByteBuffer[] { ByteBuffer.wrap(data) });
            sink.sync();
        }
        return id;
    }

    private static String id() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static byte[] bytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
