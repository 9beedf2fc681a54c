package io.resumableupload.client;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * A request body of {@code length} bytes read from a file (positional reads, nothing buffered beyond one block)
 * or from a byte array, honouring the HTTP client's demand. Reading happens on {@code executor}, never in the
 * HTTP client's own threads, so a slow disk or the rate limit never stalls its selector.
 */
final class RangePublisher implements Flow.Publisher<ByteBuffer> {

    private static final int BLOCK = 1 << 20;

    /** Where the bytes come from. */
    interface Source {
        /** Reads into {@code target} from {@code position}; returns bytes read. */
        int read(long position, ByteBuffer target) throws IOException;

        void close() throws IOException;
    }

    private final Source source;
    private final long start;
    private final long length;
    private final Executor executor;
    private final LongConsumer sent;
    private final RateLimiter rateLimiter;

    /**
     * @param sent told the size of each block handed to the HTTP client (which asks for the next one only after
     *        taking the previous one), and 0 while the rate limit holds the next block back
     */
    RangePublisher(Source source, long start, long length, Executor executor, LongConsumer sent, RateLimiter rateLimiter) {
        this.source = source;
        this.start = start;
        this.length = length;
        this.executor = executor;
        this.sent = sent;
        this.rateLimiter = rateLimiter;
    }

    static Source file(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        return new Source() {
            @Override
            public int read(long position, ByteBuffer target) throws IOException {
                return channel.read(target, position);
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    static Source bytes(byte[] data) {
        return new Source() {
            @Override
            public int read(long position, ByteBuffer target) {
                int n = (int) Math.min(target.remaining(), data.length - position);
                target.put(data, (int) position, n);
                return n;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        Subscription subscription = new Subscription(subscriber);
        subscriber.onSubscribe(subscription);
    }

    private final class Subscription implements Flow.Subscription {
        private final Flow.Subscriber<? super ByteBuffer> subscriber;
        private final AtomicLong demand = new AtomicLong();
        private final AtomicBoolean draining = new AtomicBoolean();
        private volatile boolean done;
        private long position;

        Subscription(Flow.Subscriber<? super ByteBuffer> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                cancel();
                subscriber.onError(new IllegalArgumentException("non-positive demand"));
                return;
            }
            demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            schedule();
        }

        @Override
        public void cancel() {
            if (!done) {
                done = true;
                closeQuietly();
            }
        }

        private void schedule() {
            if (draining.compareAndSet(false, true)) {
                executor.execute(this::drain);
            }
        }

        private void drain() {
            try {
                while (!done && demand.get() > 0) {
                    if (position >= length) {
                        done = true;
                        closeQuietly();
                        subscriber.onComplete();
                        return;
                    }
                    long wait = rateLimiter == null ? 0 : rateLimiter.nanosUntilAllowed();
                    if (wait > 0) {
                        // Held back by our own rate limit, not by the connection: the request is alive.
                        sent.accept(0);
                        TimeUnit.NANOSECONDS.sleep(Math.min(wait, 50_000_000L));
                        continue;
                    }
                    ByteBuffer block = ByteBuffer.allocate((int) Math.min(BLOCK, length - position));
                    while (block.hasRemaining()) {
                        int n = source.read(start + position + block.position(), block);
                        if (n < 0) {
                            throw new IOException("source ended " + (length - position - block.position()) + " bytes early");
                        }
                    }
                    block.flip();
                    position += block.remaining();
                    demand.decrementAndGet();
                    sent.accept(block.remaining());
                    if (rateLimiter != null) {
                        rateLimiter.consumed(block.remaining());
                    }
                    subscriber.onNext(block);
                }
            } catch (IOException | RuntimeException e) {
                done = true;
                closeQuietly();
                subscriber.onError(e);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done = true;
                closeQuietly();
                subscriber.onError(e);
                return;
            } finally {
                draining.set(false);
            }
            if (!done && demand.get() > 0) {
                schedule();
            }
        }

        private void closeQuietly() {
            try {
                source.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    /** A token bucket of bytes per second, shared by all requests of a client. */
    static final class RateLimiter {
        private final long bytesPerSecond;
        private long availableAt = System.nanoTime();

        RateLimiter(long bytesPerSecond) {
            this.bytesPerSecond = bytesPerSecond;
        }

        synchronized long nanosUntilAllowed() {
            return Math.max(0, availableAt - System.nanoTime());
        }

        synchronized void consumed(long bytes) {
            long now = System.nanoTime();
            availableAt = Math.max(availableAt, now) + bytes * 1_000_000_000L / bytesPerSecond;
        }
    }
}
