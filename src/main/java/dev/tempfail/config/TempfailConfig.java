package dev.tempfail.config;

/** The whole configuration, validated: every value here has been checked at start-up. */
public record TempfailConfig(SmtpConfig smtp, QueueConfig queue, DeliveryConfig delivery,
                             RetryConfig retry, AdminConfig admin, DsnConfig dsn,
                             LogConfig log, EventsConfig events) {

    static TempfailConfig from(Settings s) {
        return new TempfailConfig(SmtpConfig.from(s), QueueConfig.from(s), DeliveryConfig.from(s),
                RetryConfig.from(s), AdminConfig.from(s), DsnConfig.from(s),
                LogConfig.from(s), EventsConfig.from(s));
    }
}
