package io.resumableupload.upload;

import java.time.Clock;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The one clock the server reads the time of day from (expiry, finish times, tombstones), so that tests move time
 * instead of sleeping. Durations (timeouts, lock waits) use {@code System.nanoTime()} and are not affected.
 */
public class ClockProducer {

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
