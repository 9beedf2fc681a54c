package io.resumableupload.storage.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * fsync of the upload directory, group-committed. The first caller becomes the leader and runs an fsync outside
 * the monitor; callers arriving meanwhile wait, and the next leader's single fsync serves all of them. A caller is
 * only released by an fsync that started after it called, so every directory entry created before
 * {@link #sync()} is durable when it returns.
 */
final class DirectorySync {

    private final Path directory;
    /** Number of fsyncs started / completed; an fsync's epoch is its start number. */
    private long started;
    private long completed;
    private boolean running;
    private long failedEpoch = -1;
    private IOException failure;

    DirectorySync(Path directory) {
        this.directory = directory;
    }

    void sync() throws IOException {
        long epoch;
        synchronized (this) {
            long needed = started + 1;
            while (true) {
                if (completed >= needed) {
                    if (failedEpoch == completed) {
                        throw new IOException("directory fsync failed", failure);
                    }
                    return;
                }
                if (!running) {
                    break;
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the directory fsync", e);
                }
            }
            running = true;
            epoch = ++started;
        }
        IOException error = null;
        try {
            force(directory);
        } catch (IOException e) {
            error = e;
        }
        synchronized (this) {
            completed = epoch;
            running = false;
            if (error != null) {
                failedEpoch = epoch;
                failure = error;
            }
            notifyAll();
        }
        if (error != null) {
            throw error;
        }
    }

    /** How many fsyncs completed. */
    synchronized long completed() {
        return completed;
    }

    /** fsyncs one directory (no group commit), e.g. the parent of a directory just created. */
    static void force(Path directory) throws IOException {
        // Linux allows fsync on a directory opened for reading; Windows has no such thing (and needs none).
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").startsWith("Windows")) {
                throw e;
            }
        }
    }
}
