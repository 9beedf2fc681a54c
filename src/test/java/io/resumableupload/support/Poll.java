package io.resumableupload.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Waiting for a condition instead of sleeping and hoping: checks every 20 ms, fails naming what it waited for once
 * the deadline passes.
 */
public final class Poll {

    /** A condition; one that throws does not hold (yet). */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    private Poll() {
    }

    /** Returns as soon as {@code condition} holds; fails with {@code what} when it still does not after {@code timeout}. */
    public static void until(String what, Duration timeout, Condition condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + timeout + " for " + what + (last == null ? "" : "; last: " + last));
            }
            Thread.sleep(20);
        }
    }

    /**
     * Waits until the server has written at least {@code bytes} of an upload to {@code file} (the filesystem backend
     * writes what it reads before the offset counts it): the server has read what the client sent.
     */
    public static void untilStored(Path file, long bytes) throws InterruptedException {
        until(bytes + " bytes in " + file, Duration.ofSeconds(10), () -> Files.size(file) >= bytes);
    }
}
