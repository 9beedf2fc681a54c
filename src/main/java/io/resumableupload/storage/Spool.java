package io.resumableupload.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * One part (S3) or block (Azure) being received, on local disk. The file is created with {@code DELETE_ON_CLOSE}, which on
 * Linux and
 * macOS unlinks it right after it is opened: it has no name from then on, so nothing is left in the spool directory
 * after the append ends, whichever way it ends (an exception, a closed sink, kill -9 of the process).
 */
public final class Spool implements AutoCloseable {

    private final FileChannel channel;
    /** Written by the append's thread; read by a part upload that streams the spool while it grows. */
    private volatile long size;
    /** Counts {@link #abandon(long)} calls: a growing stream fails once the epoch it started in is over. */
    private long epoch;

    public Spool(Path directory) throws IOException {
        this.channel = FileChannel.open(directory.resolve("tus-spool-" + UUID.randomUUID()), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
    }

    public long size() {
        return size;
    }

    /** Appends all remaining bytes of {@code buffer}. */
    public void write(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            size += channel.write(buffer, size);
        }
        synchronized (this) {
            notifyAll();
        }
    }

    /**
     * A stream of the first {@code end} bytes that waits for bytes not written yet: a part uploads while it is
     * received. It fails once {@link #abandon(long)} ends {@code startEpoch} before {@code end} bytes were written.
     */
    public InputStream growingInputStream(long end, long startEpoch) {
        return new InputStream() {
            private long position;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (position >= end) {
                    return -1;
                }
                long available = awaitBeyond(position, startEpoch);
                int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, Math.min(end, available) - position)),
                        position);
                if (n > 0) {
                    position += n;
                }
                return n;
            }
        };
    }

    /** Waits until the spool holds more than {@code position} bytes; returns its size. */
    private synchronized long awaitBeyond(long position, long streamEpoch) throws IOException {
        while (size <= position) {
            if (epoch != streamEpoch) {
                throw new IOException("the part was abandoned: the append ended before it was full");
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the part's bytes", e);
            }
        }
        return size;
    }

    public synchronized long epoch() {
        return epoch;
    }

    /**
     * Makes the {@link #growingInputStream}s opened in epoch {@code streamEpoch} fail instead of waiting for bytes
     * that will not come; later ones are not affected.
     */
    public synchronized void abandon(long streamEpoch) {
        if (epoch == streamEpoch) {
            epoch++;
        }
        notifyAll();
    }

    /** Appends everything {@code in} holds; returns the number of bytes. */
    public long writeFrom(InputStream in) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(chunk)) >= 0;) {
            write(ByteBuffer.wrap(chunk, 0, n));
            total += n;
        }
        return total;
    }

    /** Empties the spool for the next part (the file keeps its pages until overwritten: no allocation churn). */
    public void clear() throws IOException {
        size = 0;
        channel.truncate(0);
    }

    /**
     * A fresh stream over the spool's content; each call starts at the beginning (so a request can be retried). It
     * supports mark and reset, which is how the Azure SDK replays a body on a retry.
     */
    public InputStream newInputStream() {
        long end = size;
        return new InputStream() {
            private long position;
            private long marked;

            @Override
            public boolean markSupported() {
                return true;
            }

            @Override
            public synchronized void mark(int readLimit) {
                marked = position;
            }

            @Override
            public synchronized void reset() {
                position = marked;
            }

            @Override
            public int available() {
                return (int) Math.min(Integer.MAX_VALUE, end - position);
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (position >= end) {
                    return -1;
                }
                int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
                if (n > 0) {
                    position += n;
                }
                return n;
            }
        };
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
