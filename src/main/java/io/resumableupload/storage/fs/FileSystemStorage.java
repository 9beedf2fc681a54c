package io.resumableupload.storage.fs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.resumableupload.protocol.UploadIds;
import io.resumableupload.storage.AppendSink;
import io.resumableupload.storage.ConcatenatingStorage;
import io.resumableupload.storage.FreeSpaceReporting;
import io.resumableupload.storage.LocalFileStorage;
import io.resumableupload.storage.LocatableStorage;
import io.resumableupload.storage.StorageFullException;
import io.resumableupload.storage.StorageUnavailableException;
import io.resumableupload.storage.UploadBytesLostException;
import io.resumableupload.storage.UploadStorage;

/** Uploads as files in one directory: {@code <directory>/<id>}. */
public final class FileSystemStorage
        implements UploadStorage, ConcatenatingStorage, LocalFileStorage, FreeSpaceReporting, LocatableStorage {

    /** How many bytes an append writes between two looks at the free space (when a minimum is set). */
    static final long SPACE_CHECK_INTERVAL = 1024 * 1024;

    /** Measures the free space of the upload directory's filesystem (a seam for tests). */
    @FunctionalInterface
    interface UsableSpace {
        long bytes() throws IOException;
    }

    private final Path directory;
    private final boolean fsync;
    private final long minFreeSpace;
    private final UsableSpace usableSpace;
    private final DirectorySync directorySync;
    /**
     * Whether a new file's fsync leaves its directory entry to a directory fsync (else that fsync already made it
     * durable: see {@link #fileSyncCoversNewEntry}).
     */
    private final boolean newEntriesNeedDirectorySync;

    public FileSystemStorage(Path directory, boolean fsync) throws IOException {
        this(directory, fsync, 0, false);
    }

    /**
     * @param minFreeSpace writes that would leave less free space than this are refused as if the disk were full
     *        (room for the database and the system on a shared disk); 0 for none
     * @param alwaysSyncDirectory fsync the directory after creating a file in it even where the file's own fsync
     *        makes the entry durable ({@code tus.storage.filesystem.sync-directory=always})
     */
    public FileSystemStorage(Path directory, boolean fsync, long minFreeSpace, boolean alwaysSyncDirectory)
            throws IOException {
        this(directory, fsync, minFreeSpace, null, alwaysSyncDirectory ? null : "");
    }

    /**
     * @param fileSystemType the upload directory's file system type as {@link FileStore#type()} names it, null to
     *        fsync the directory whatever it is, "" to look it up (a seam for tests)
     */
    FileSystemStorage(Path directory, boolean fsync, long minFreeSpace, UsableSpace usableSpace, String fileSystemType)
            throws IOException {
        this.directory = Files.createDirectories(directory).toRealPath();
        this.fsync = fsync;
        this.minFreeSpace = minFreeSpace;
        FileStore store = Files.getFileStore(this.directory);
        if (usableSpace == null) {
            usableSpace = store::getUsableSpace;
        }
        this.usableSpace = usableSpace;
        this.directorySync = new DirectorySync(this.directory);
        String type = fileSystemType == null || !fileSystemType.isEmpty() ? fileSystemType : store.type();
        this.newEntriesNeedDirectorySync = type == null || !fileSyncCoversNewEntry(type);
    }

    /**
     * Whether, on this type of file system, a new file's fsync also makes its directory entry durable. ext4: with a
     * journal, the fsync commits the journal transaction that last changed the file, and the one that created its
     * entry came before it (transactions commit in order); without one, {@code ext4_sync_parent} syncs the parent
     * directory of a file created since its last sync (fs/ext4/fsync.c). XFS: the fsync forces the log up to the
     * file's last change, past the transaction that created the file and its entry. Elsewhere (NFS, overlay, btrfs,
     * anything not named here) the directory is fsynced as POSIX asks.
     */
    static boolean fileSyncCoversNewEntry(String fileSystemType) {
        return fileSystemType.equals("ext4") || fileSystemType.equals("xfs");
    }

    /** How many directory fsyncs ran (for tests). */
    long directorySyncs() {
        return directorySync.completed();
    }

    @Override
    public Map<String, String> location(String uploadId) {
        return Map.of("Type", "filestore", "Path", fileOf(uploadId).toString());
    }

    @Override
    public Path fileOf(String uploadId) {
        if (!UploadIds.isValid(uploadId)) {
            throw new IllegalArgumentException("invalid upload id");
        }
        Path file = directory.resolve(uploadId).normalize();
        // Belt and braces: a valid id has no separator or dot, so this cannot fail; it stays as the last check
        // before a path built from request data is touched.
        if (!file.getParent().equals(directory)) {
            throw new IllegalArgumentException("upload id escapes the storage directory");
        }
        return file;
    }

    /**
     * Nothing to do: the file appears with the first append (or the assembly of a final upload). Creating it here
     * would cost a file and a directory fsync per POST for nothing; the database row is what says the upload exists,
     * and a missing file simply means no bytes yet.
     */
    @Override
    public void create(String uploadId, String contentType) {
        fileOf(uploadId);
    }

    @Override
    public AppendSink openAppend(String uploadId, long committedOffset, Long length) throws IOException {
        Path file = fileOf(uploadId);
        boolean entryMayBeNew = false;
        FileChannel channel;
        try {
            if (committedOffset > 0) {
                // Bytes were acknowledged, so the file must be there: never create a fresh one in its place.
                channel = FileChannel.open(file, StandardOpenOption.WRITE);
            } else {
                // Usually the first append of the upload: create the file, one system call (no look first).
                try {
                    channel = openCreating(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
                } catch (FileAlreadyExistsException e) {
                    channel = openCreating(file, StandardOpenOption.WRITE);
                }
                // Also when it was there: the append that created it may have ended before it made the entry
                // durable (a failed write, a crash), and no acknowledged byte says it did.
                entryMayBeNew = true;
            }
        } catch (NoSuchFileException e) {
            throw new UploadBytesLostException("the file of upload " + uploadId + " is gone but its offset is "
                    + committedOffset);
        } catch (IOException e) {
            throw classify(e);
        }
        try {
            long size = channel.size();
            if (size < committedOffset) {
                throw new UploadBytesLostException("upload " + uploadId + " holds " + size + " bytes but its offset is "
                        + committedOffset);
            }
            if (size > committedOffset) {
                // Bytes past the committed offset were never acknowledged: drop them.
                channel.truncate(committedOffset);
            }
            channel.position(committedOffset);
            return new FileAppendSink(channel, committedOffset, entryMayBeNew);
        } catch (IOException e) {
            channel.close();
            throw classify(e);
        } catch (RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Calls {@code each} with the id of every upload file last modified before {@code before} (regular files named
     * like an upload id; nothing else in the directory is looked at).
     */
    public void forEachFileModifiedBefore(Instant before, Consumer<String> each) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (!UploadIds.isValid(name)) {
                    continue;
                }
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (attributes.isRegularFile() && attributes.lastModifiedTime().toInstant().isBefore(before)) {
                    each.accept(name);
                }
            }
        }
    }

    @Override
    public void finish(String uploadId, long length) {
        // Every byte is already in place and durable.
    }

    @Override
    public InputStream openRead(String uploadId, long position, long length) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(fileOf(uploadId), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new UploadBytesLostException("the file of upload " + uploadId + " is gone");
        } catch (IOException e) {
            throw classify(e);
        }
        channel.position(position);
        return new BoundedInputStream(Channels.newInputStream(channel), length);
    }

    @Override
    public void delete(String uploadId) throws IOException {
        try {
            Files.deleteIfExists(fileOf(uploadId));
        } catch (IOException e) {
            throw classify(e);
        }
    }

    /**
     * A partial without bytes has no file (files appear with the first byte), so a missing partial file counts as
     * empty; if a partial's bytes vanished, the total comes up short and the caller sees the loss.
     */
    @Override
    public long concatenate(String finalId, List<String> partialIds) throws IOException {
        if (minFreeSpace > 0) {
            long needed = 0;
            for (String partialId : partialIds) {
                needed += sizeOrZero(fileOf(partialId));
            }
            requireRoomFor(needed);
        }
        long total = 0;
        try (FileChannel target = openCreating(fileOf(finalId), StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            try {
                for (String partialId : partialIds) {
                    total += copyInto(target, fileOf(partialId));
                }
                syncIfEnabled(target);
            } catch (IOException e) {
                IOException failure = classify(e);
                if (failure instanceof StorageFullException) {
                    // Give the space back at once: the final stays unassembled (or is not created at all).
                    target.truncate(0);
                }
                throw failure;
            }
        } catch (IOException e) {
            throw classify(e);
        }
        syncNewEntry();
        return total;
    }

    private static long copyInto(FileChannel target, Path partial) throws IOException {
        FileChannel source;
        try {
            source = FileChannel.open(partial, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return 0;
        }
        try (source) {
            long size = source.size();
            long copied = 0;
            while (copied < size) {
                // transferTo uses copy_file_range/sendfile where the OS has them.
                copied += source.transferTo(copied, size - copied, target);
            }
            return size;
        }
    }

    private static long sizeOrZero(Path file) throws IOException {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    @Override
    public long freeBytes() throws IOException {
        return usableSpace.bytes();
    }

    /** Refuses to write {@code bytes} more when that would leave less than the configured free space. */
    private void requireRoomFor(long bytes) throws StorageFullException {
        long free;
        try {
            free = usableSpace.bytes();
        } catch (IOException e) {
            // Not measurable right now: the write itself will tell whether there is room.
            return;
        }
        if (free - bytes < minFreeSpace) {
            throw new StorageFullException("writing " + bytes + " bytes would leave " + Math.max(0, free - bytes)
                    + " bytes free, below tus.storage.filesystem.min-free-space (" + minFreeSpace + ")", null);
        }
    }

    /** Opens a file for writing, creating it, and the upload directory too if it was deleted under us. */
    private FileChannel openCreating(Path file, OpenOption... options) throws IOException {
        OpenOption[] all = new OpenOption[options.length + 1];
        all[0] = StandardOpenOption.CREATE;
        System.arraycopy(options, 0, all, 1, options.length);
        try {
            return FileChannel.open(file, all);
        } catch (NoSuchFileException e) {
            if (Files.isDirectory(directory)) {
                throw e;
            }
            recreateDirectory();
            return FileChannel.open(file, all);
        }
    }

    private void recreateDirectory() throws IOException {
        Files.createDirectories(directory);
        if (fsync) {
            DirectorySync.force(directory.getParent());
        }
    }

    /**
     * The storage exception naming what an I/O failure means for the client: no room (507), storage out of reach
     * or read-only (503); anything else unchanged (a 500).
     */
    static IOException classify(IOException e) {
        if (e instanceof StorageFullException || e instanceof StorageUnavailableException
                || e instanceof UploadBytesLostException) {
            return e;
        }
        String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                : String.valueOf(e.getMessage());
        if (reason.contains("No space left on device") || reason.contains("Disk quota exceeded")) {
            return new StorageFullException(reason, e);
        }
        if (e instanceof AccessDeniedException || reason.contains("Read-only file system")
                || reason.contains("Permission denied") || reason.contains("Operation not permitted")
                || reason.contains("Input/output error") || reason.contains("Stale file handle")
                || reason.contains("Transport endpoint is not connected")) {
            return new StorageUnavailableException(reason, e);
        }
        return e;
    }

    @Override
    public void checkWritable() throws IOException {
        if (!Files.isDirectory(directory)) {
            // Else readiness would stay down, no request would arrive, and nothing would ever create it again.
            recreateDirectory();
        }
        Path probe = Files.createTempFile(directory, ".probe-", ".tmp");
        Files.delete(probe);
    }

    private void syncIfEnabled(FileChannel channel) throws IOException {
        if (fsync) {
            channel.force(false);
        }
    }

    /**
     * Makes the entry of a file created in the directory durable, once the file itself was fsynced: a directory fsync
     * (concurrent callers share one, see {@link DirectorySync}) unless the file's fsync already did it.
     */
    private void syncNewEntry() throws IOException {
        if (fsync && newEntriesNeedDirectorySync) {
            try {
                directorySync.sync();
            } catch (IOException e) {
                if (!Files.isDirectory(directory)) {
                    throw new StorageUnavailableException("the upload directory " + directory + " vanished", e);
                }
                throw classify(e);
            }
        }
    }

    /**
     * Appends to one file. When the disk fills up (or the free space drops below the configured minimum), it gives
     * back at once every byte no {@link #sync()} has reported durable, so one failed upload does not starve the
     * others: those bytes can never be acknowledged, and a checkpoint may overlap a write, so the cut is at the last
     * offset a sync reported, never below.
     */
    private final class FileAppendSink implements AppendSink {
        private final FileChannel channel;
        private volatile long written;
        /** The highest offset a sync reported (or is about to report) durable; guarded by {@code this}. */
        private long reported;
        private long spaceCheckedAt = -1;
        private volatile boolean directoryEntryDurable;

        FileAppendSink(FileChannel channel, long committedOffset, boolean entryMayBeNew) {
            this.channel = channel;
            this.written = committedOffset;
            this.reported = committedOffset;
            this.directoryEntryDurable = !entryMayBeNew;
        }

        @Override
        public void write(ByteBuffer[] batch) throws IOException {
            long remaining = 0;
            for (ByteBuffer buffer : batch) {
                remaining += buffer.remaining();
            }
            if (minFreeSpace > 0 && (spaceCheckedAt < 0 || written - spaceCheckedAt >= SPACE_CHECK_INTERVAL)) {
                spaceCheckedAt = written;
                try {
                    requireRoomFor(remaining);
                } catch (StorageFullException e) {
                    giveBack();
                    throw e;
                }
            }
            try {
                while (remaining > 0) {
                    long n = channel.write(batch);
                    remaining -= n;
                    written += n;
                }
            } catch (IOException e) {
                IOException failure = classify(e);
                if (failure instanceof StorageFullException) {
                    giveBack();
                }
                throw failure;
            }
        }

        @Override
        public long sync() throws IOException {
            long durable;
            synchronized (this) {
                durable = written;
                reported = Math.max(reported, durable);
            }
            try {
                syncIfEnabled(channel);
            } catch (IOException e) {
                throw classify(e);
            }
            makeEntryDurable();
            return durable;
        }

        @Override
        public long checkpoint() throws IOException {
            // Bytes written before force() starts are durable when it returns; a concurrent write may add more,
            // which the next checkpoint or sync() covers.
            return sync();
        }

        /** Truncates to the last offset a sync reported, dropping what was written since. */
        private void giveBack() {
            synchronized (this) {
                try {
                    channel.truncate(reported);
                    channel.position(reported);
                    written = reported;
                } catch (IOException ignored) {
                    // The next append truncates to the committed offset anyway.
                }
            }
        }

        /** A file this append created (or found at offset 0) is only found after a crash once its entry is durable too. */
        private void makeEntryDurable() throws IOException {
            if (!directoryEntryDurable) {
                syncNewEntry();
                directoryEntryDurable = true;
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** Ends after {@code limit} bytes. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long limit) {
            this.in = in;
            this.remaining = limit;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
