package io.resumableupload.hooks;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.resumableupload.config.TusConfig;

/**
 * Hook meters: invocations and failures by hook (in-process and HTTP), and the outbox: depth, age of the oldest
 * undelivered event, deliveries, retries, events given up, and the delay from the state change to the receiver's
 * 2xx. With {@code tus.metrics.tusd-names}, also tusd's {@code tusd_hook_invocations_total} and
 * {@code tusd_hook_errors_total} (label {@code hooktype}).
 */
@Singleton
public class HookMetrics {

    private final Map<HookType, Counter> invocations = new EnumMap<>(HookType.class);
    private final Map<HookType, Counter> failures = new EnumMap<>(HookType.class);
    private final Map<HookType, Counter> tusdInvocations = new EnumMap<>(HookType.class);
    private final Map<HookType, Counter> tusdErrors = new EnumMap<>(HookType.class);
    private final Counter delivered;
    private final Counter retried;
    private final Counter givenUp;
    private final Timer deliveryDelay;
    private final AtomicLong depth = new AtomicLong();
    private final AtomicLong oldestAgeMillis = new AtomicLong();

    HookMetrics(MeterRegistry registry, TusConfig config) {
        for (HookType type : HookType.values()) {
            invocations.put(type, Counter.builder("tus.hook.invocations").tag("hook", type.wireName())
                    .description("Hook invocations (in-process beans and HTTP), by hook").register(registry));
            failures.put(type, Counter.builder("tus.hook.failures").tag("hook", type.wireName())
                    .description("Hook invocations that failed (threw, timed out, non-2xx, bad JSON), by hook")
                    .register(registry));
            if (config.metrics().tusdNames()) {
                tusdInvocations.put(type, Counter.builder("tusd.hook.invocations").tag("hooktype", type.wireName())
                        .description("Total number of invocations per hook type.").register(registry));
                tusdErrors.put(type, Counter.builder("tusd.hook.errors").tag("hooktype", type.wireName())
                        .description("Total number of execution errors per hook type.").register(registry));
            }
        }
        delivered = Counter.builder("tus.hook.outbox.delivered")
                .description("Outbox events delivered (the receiver answered 2xx)").register(registry);
        retried = Counter.builder("tus.hook.outbox.retries")
                .description("Outbox deliveries that failed and were scheduled again").register(registry);
        givenUp = Counter.builder("tus.hook.outbox.given.up")
                .description("Outbox events dropped undelivered after tus.hooks.outbox.max-age").register(registry);
        deliveryDelay = Timer.builder("tus.hook.outbox.delivery.delay")
                .description("From the state change (event written) to the receiver's 2xx")
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram().register(registry);
        Gauge.builder("tus.hook.outbox.depth", depth, AtomicLong::get)
                .description("Events in the outbox not yet delivered (as of this replica's last poll)").register(registry);
        Gauge.builder("tus.hook.outbox.oldest.age.seconds", oldestAgeMillis, a -> a.get() / 1000.0)
                .description("Age of the oldest undelivered outbox event (as of this replica's last poll)")
                .register(registry);
    }

    void invoked(HookType type) {
        invocations.get(type).increment();
        Counter tusd = tusdInvocations.get(type);
        if (tusd != null) {
            tusd.increment();
        }
    }

    void failed(HookType type) {
        failures.get(type).increment();
        Counter tusd = tusdErrors.get(type);
        if (tusd != null) {
            tusd.increment();
        }
    }

    void delivered(Duration sinceWritten) {
        delivered.increment();
        deliveryDelay.record(sinceWritten);
    }

    void retried() {
        retried.increment();
    }

    void givenUp() {
        givenUp.increment();
    }

    void outbox(long events, Duration oldestAge) {
        depth.set(events);
        oldestAgeMillis.set(oldestAge.toMillis());
    }
}
