package dev.tempfail.dsn;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One recipient's outcome, as it goes into a report. Its {@code Action} is the report's
 * {@link DsnKind}.
 *
 * @param finalRecipient    the envelope recipient address, e.g. {@code bob@example.com}
 * @param originalRecipient the ORCPT parameter as given at RCPT, e.g. {@code rfc822;Bob@Example.com}; null if none
 * @param status            the RFC 3463 status: {@code 5.1.1}, {@code 4.4.7} (expired), {@code 4.2.2} (delayed), {@code 2.0.0}
 * @param remoteMta         the host that gave the reply, e.g. {@code mx.example.com}; null if none was reached
 * @param diagnostic        the remote reply verbatim ({@code 550 5.1.1 <bob@example.com>: user unknown}), or our own
 *                          words when no server replied (say, a DNS failure); null if none
 * @param category          the reply category label ({@code mailbox_full}, see {@code reply.Category}); null or
 *                          unknown = explained by the status alone
 * @param lastAttempt       when the last delivery attempt was made; null if none was
 * @param willRetryUntil    delay reports: when we give up; null otherwise
 */
public record DsnRecipient(String finalRecipient, String originalRecipient, String status, String remoteMta,
                           String diagnostic, String category, Instant lastAttempt, Instant willRetryUntil) {
    private static final Pattern STATUS = Pattern.compile("[245]\\.[0-9]{1,3}\\.[0-9]{1,3}");

    public DsnRecipient {
        Objects.requireNonNull(finalRecipient, "finalRecipient");
        Objects.requireNonNull(status, "status");
        if (finalRecipient.isBlank()) throw new IllegalArgumentException("finalRecipient is empty");
        if (!STATUS.matcher(status).matches()) {
            throw new IllegalArgumentException("status must be an RFC 3463 code like 5.1.1, got '" + status + "'");
        }
    }

    /** A recipient who had no more attempts: failed, and every attempt was a temporary failure. */
    boolean expired(DsnKind kind) {
        return kind == DsnKind.FAILED && status.startsWith("4.");
    }
}
