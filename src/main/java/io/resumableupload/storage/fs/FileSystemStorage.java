package io.resumableupload.storage.fs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import io.resumableupload.protocol.UploadIds;
import io.resumableupload.storage.AppendSink;
import io.resumableupload.storage.ConcatenatingStorage;
import io.resumableupload.storage.LocalFileStorage;
import io.resumableupload.storage.UploadStorage;

/** Uploads as files in one directory: {@code <directory>/<id>}. */
public final class FileSystemStorage implements UploadStorage, ConcatenatingStorage, LocalFileStorage {

    private final Path directory;
    private final boolean fsync;
    private final DirectorySync directorySync;

    public FileSystemStorage(Path directory, boolean fsync) throws IOException {
        this.directory = Files.createDirectories(directory).toRealPath();
        this.fsync = fsync;
        this.directorySync = new DirectorySync(this.directory);
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
        boolean created = !Files.exists(file);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            long size = channel.size();
            if (size < committedOffset) {
                throw new IOException("upload " + uploadId + " holds " + size + " bytes but its offset is "
                        + committedOffset + ": the storage lost bytes");
            }
            if (size > committedOffset) {
                // Bytes past the committed offset were never acknowledged: drop them.
                channel.truncate(committedOffset);
            }
            channel.position(committedOffset);
            return new FileAppendSink(channel, committedOffset, created);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void finish(String uploadId, long length) {
        // Every byte is already in place and durable.
    }

    @Override
    public InputStream openRead(String uploadId, long position, long length) throws IOException {
        FileChannel channel = FileChannel.open(fileOf(uploadId), StandardOpenOption.READ);
        channel.position(position);
        return new BoundedInputStream(Channels.newInputStream(channel), length);
    }

    @Override
    public void delete(String uploadId) throws IOException {
        Files.deleteIfExists(fileOf(uploadId));
    }

    @Override
    public long concatenate(String finalId, List<String> partialIds) throws IOException {
        long total = 0;
        try (FileChannel target = FileChannel.open(fileOf(finalId), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (String partialId : partialIds) {
                try (FileChannel source = FileChannel.open(fileOf(partialId), StandardOpenOption.READ)) {
                    long size = source.size();
                    long copied = 0;
                    while (copied < size) {
                        // transferTo uses copy_file_range/sendfile where the OS has them.
                        copied += source.transferTo(copied, size - copied, target);
                    }
                    total += size;
                }
            }
            syncIfEnabled(target);
        }
        syncDirectory();
        return total;
    }

    @Override
    public void checkWritable() throws IOException {
        Path probe = Files.createTempFile(directory, ".probe-", ".tmp");
        Files.delete(probe);
    }

    private void syncIfEnabled(FileChannel channel) throws IOException {
        if (fsync) {
            channel.force(false);
        }
    }

    /** Makes new directory entries durable; concurrent callers share one fsync (see {@link DirectorySync}). */
    private void syncDirectory() throws IOException {
        if (fsync) {
            directorySync.sync();
        }
    }

    private final class FileAppendSink implements AppendSink {
        private final FileChannel channel;
        private volatile long written;
        private volatile boolean directoryEntryDurable;

        FileAppendSink(FileChannel channel, long committedOffset, boolean created) {
            this.channel = channel;
            this.written = committedOffset;
            this.directoryEntryDurable = !created;
        }

        @Override
        public void write(ByteBuffer[] batch) throws IOException {
            long remaining = 0;
            for (ByteBuffer buffer : batch) {
                remaining += buffer.remaining();
            }
            while (remaining > 0) {
                long n = channel.write(batch);
                remaining -= n;
                written += n;
            }
        }

        @Override
        public long sync() throws IOException {
            long durable = written;
            syncIfEnabled(channel);
            makeEntryDurable();
            return durable;
        }

        @Override
        public long checkpoint() throws IOException {
            // Bytes written before force() starts are durable when it returns; a concurrent write may add more,
            // which the next checkpoint or sync() covers.
            return sync();
        }

        /** A file created by this append is only found after a crash once its directory entry is durable too. */
        private void makeEntryDurable() throws IOException {
            if (!directoryEntryDurable) {
                syncDirectory();
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
