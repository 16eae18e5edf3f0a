package dev.tempfail.config;

import java.time.Duration;

/**
 * The whole configuration, validated: every value here has been checked at start-up.
 *
 * @param shutdownGrace how long a stop waits for deliveries in flight and messages mid-DATA
 */
public record TempfailConfig(SmtpConfig smtp, QueueConfig queue, DeliveryConfig delivery,
                             RetryConfig retry, AdminConfig admin, DsnConfig dsn,
                             LogConfig log, EventsConfig events, SubmissionConfig submission, AuthConfig auth,
                             OutboundTlsConfig outboundTls, Duration shutdownGrace) {

    static TempfailConfig from(Settings s) {
        QueueConfig queue = QueueConfig.from(s);
        Duration grace = s.duration("shutdown_grace");
        if (grace.toHours() > 1) throw s.error("shutdown_grace", "must be at most 1h");
        return new TempfailConfig(SmtpConfig.from(s), queue, DeliveryConfig.from(s),
                RetryConfig.from(s), AdminConfig.from(s), DsnConfig.from(s),
                LogConfig.from(s), EventsConfig.from(s), SubmissionConfig.from(s), AuthConfig.from(s, queue),
                OutboundTlsConfig.from(s), grace);
    }
}
