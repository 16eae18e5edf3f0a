package dev.tempfail.config;

/** The whole configuration, validated: every value here has been checked at start-up. */
public record TempfailConfig(SmtpConfig smtp, QueueConfig queue, DeliveryConfig delivery,
                             RetryConfig retry, AdminConfig admin, DsnConfig dsn,
                             LogConfig log, EventsConfig events, SubmissionConfig submission, AuthConfig auth,
                             OutboundTlsConfig outboundTls) {

    static TempfailConfig from(Settings s) {
        QueueConfig queue = QueueConfig.from(s);
        return new TempfailConfig(SmtpConfig.from(s), queue, DeliveryConfig.from(s),
                RetryConfig.from(s), AdminConfig.from(s), DsnConfig.from(s),
                LogConfig.from(s), EventsConfig.from(s), SubmissionConfig.from(s), AuthConfig.from(s, queue),
                OutboundTlsConfig.from(s));
    }
}
