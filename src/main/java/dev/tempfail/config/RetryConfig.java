package dev.tempfail.config;

import java.time.Duration;

/** How long temporary failures are retried, and when the sender hears about the delay. */
public record RetryConfig(Duration lifetime, Duration delayWarning) {
    static RetryConfig from(Settings s) {
        Duration lifetime = s.duration("retry.lifetime");
        if (lifetime.isZero()) throw s.error("retry.lifetime", "must be longer than 0");
        return new RetryConfig(lifetime, s.duration("retry.delay_warning"));
    }
}
