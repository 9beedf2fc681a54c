package io.resumableupload.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When and how often failed requests are retried: exponential backoff with jitter, capped, for at most
 * {@code maxRetries} consecutive failures (a request that succeeds resets the count).
 *
 * @param initialDelay the delay before the first retry, before jitter
 * @param multiplier how much each further delay grows
 * @param maxDelay the cap of any delay
 * @param maxRetries consecutive failures retried before giving up (0: never retry)
 * @param decider which failures are worth a retry
 */
public record RetryPolicy(Duration initialDelay, double multiplier, Duration maxDelay, int maxRetries, RetryDecider decider) {

    /**
     * The default: 0.5 s doubling to a 30 s cap, 10 retries, {@link RetryDecider#DEFAULT}.
     */
    public static RetryPolicy defaults() {
        return new RetryPolicy(Duration.ofMillis(500), 2.0, Duration.ofSeconds(30), 10, RetryDecider.DEFAULT);
    }

    /** Never retry. */
    public static RetryPolicy none() {
        return new RetryPolicy(Duration.ZERO, 1, Duration.ZERO, 0, RetryDecider.DEFAULT);
    }

    public RetryPolicy withMaxRetries(int retries) {
        return new RetryPolicy(initialDelay, multiplier, maxDelay, retries, decider);
    }

    public RetryPolicy withDelays(Duration initial, Duration max) {
        return new RetryPolicy(initial, multiplier, max, maxRetries, decider);
    }

    public RetryPolicy withDecider(RetryDecider decider) {
        return new RetryPolicy(initialDelay, multiplier, maxDelay, maxRetries, decider);
    }

    /**
     * The delay before retry number {@code attempt} (1-based): d = min(cap, initial * multiplier^(n-1)), then a
     * random point in [d/2, d] ("equal jitter": clients that failed together spread out, and no retry comes at
     * once).
     */
    public Duration delayBefore(int attempt) {
        double nanos = initialDelay.toNanos() * Math.pow(multiplier, Math.max(0, attempt - 1));
        long capped = (long) Math.min(nanos, maxDelay.toNanos());
        if (capped <= 0) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(capped / 2 + ThreadLocalRandom.current().nextLong(capped - capped / 2 + 1));
    }

    /** Decides whether a failure is retried. */
    @FunctionalInterface
    public interface RetryDecider {

        /**
         * Retries I/O errors (no response), 5xx, 423 Locked, and 409 Conflict (the offset is re-read with HEAD
         * before the retry); never other 4xx, which a retry would not fix.
         */
        RetryDecider DEFAULT = failure -> failure.status() < 0 || failure.status() >= 500 || failure.status() == 423
                || failure.status() == 409;

        boolean shouldRetry(Failure failure);
    }

    /**
     * A failed request.
     *
     * @param method the TUS method
     * @param status the response status, or -1 for an I/O error
     * @param error the I/O error, or null
     * @param attempt how many consecutive failures this is (1 for the first)
     */
    public record Failure(String method, int status, Throwable error, int attempt) {

        /**
         * Why the request failed, in a few words: {@code connection refused}, {@code unknown host example.com},
         * {@code no progress for 60 s (idle timeout)}, {@code answered 503: ERR_DATABASE_UNAVAILABLE: ...}.
         */
        public String reason() {
            return Causes.describe(error);
        }
    }

    /** Told about each retry before the client waits for it (to show it, log it, count it). */
    @FunctionalInterface
    public interface RetryListener {

        /**
         * @param failure the request that failed; {@link Failure#attempt()} counts consecutive failures from 1
         * @param delay how long the client waits before the retry
         */
        void onRetry(Failure failure, Duration delay);
    }
}
