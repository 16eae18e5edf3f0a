package dev.tempfail.message;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** RFC 5322 date-time, as in Date:, Received: and DSN fields: {@code Mon, 23 Nov 2026 12:00:00 +0000}. */
public final class MailDates {
    private static final DateTimeFormatter RFC5322 =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private MailDates() {}

    public static String format(Instant instant) {
        return RFC5322.format(instant);
    }
}
