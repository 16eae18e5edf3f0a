package dev.tempfail.dsn;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything one report says: about which message, to whom, and what happened to which of its
 * recipients. All recipients of one report share its kind; a message whose recipients fail at
 * different times gets one report per time.
 *
 * @param kind            failed, delayed, delivered or relayed
 * @param reportingMta    our host name ({@code smtp.hostname}): in Reporting-MTA, From and Message-ID
 * @param queueId         the original message's queue id, for the operator who is asked about it
 * @param originalSender  where the report goes: the original envelope sender (never empty: a message
 *                        from {@code <>} is not answered; its failure may go to {@code dsn.double_bounce_to})
 * @param envid           the ENVID given at MAIL FROM (decoded); null if none
 * @param ret             RET from MAIL FROM: {@code FULL}, {@code HDRS} or null
 * @param arrival         when the original message was accepted
 * @param originalMessage the original message as stored (not copied: do not change it while building), or only
 *                        its start, up to the end of its header section, when the whole is not to be returned
 * @param originalSize    the size of the whole original in bytes
 * @param recipients      at least one
 * @param maxReturnSize   the whole original is returned only up to this many bytes ({@code dsn.max_return_size})
 * @param now             the time of the report: its Date, and "how long" in the text
 * @param global          the original needed SMTPUTF8 (UTF-8 addresses or header fields): an RFC 6533
 *                        report, {@code message/global-delivery-status} with the addresses in UTF-8 and
 *                        the original as {@code message/global} (or {@code message/global-headers})
 */
public record DsnRequest(DsnKind kind, String reportingMta, String queueId, String originalSender, String envid,
                         String ret, Instant arrival, byte[] originalMessage, long originalSize,
                         List<DsnRecipient> recipients, long maxReturnSize, Instant now, boolean global) {

    /** A report about a message that needed no SMTPUTF8. */
    public DsnRequest(DsnKind kind, String reportingMta, String queueId, String originalSender, String envid,
                      String ret, Instant arrival, byte[] originalMessage, long originalSize,
                      List<DsnRecipient> recipients, long maxReturnSize, Instant now) {
        this(kind, reportingMta, queueId, originalSender, envid, ret, arrival, originalMessage, originalSize, recipients,
                maxReturnSize, now, false);
    }

    /** A report quoting from the whole original message. */
    public DsnRequest(DsnKind kind, String reportingMta, String queueId, String originalSender, String envid,
                      String ret, Instant arrival, byte[] originalMessage, List<DsnRecipient> recipients,
                      long maxReturnSize, Instant now) {
        this(kind, reportingMta, queueId, originalSender, envid, ret, arrival, originalMessage,
                originalMessage == null ? 0 : originalMessage.length, recipients, maxReturnSize, now, false);
    }

    /** Whether the report returns the whole original (RET=FULL, and it is small enough), not just its headers. */
    public static boolean returnsWhole(String ret, long originalSize, long maxReturnSize) {
        return "FULL".equalsIgnoreCase(ret) && originalSize <= maxReturnSize;
    }

    public DsnRequest {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reportingMta, "reportingMta");
        Objects.requireNonNull(queueId, "queueId");
        Objects.requireNonNull(originalSender, "originalSender");
        Objects.requireNonNull(arrival, "arrival");
        Objects.requireNonNull(originalMessage, "originalMessage");
        Objects.requireNonNull(now, "now");
        if (!queueId.matches("[A-Za-z0-9]+")) {
            // It goes into the report's Message-ID and MIME boundary as it is.
            throw new IllegalArgumentException("queueId must be letters and digits, got '" + queueId + "'");
        }
        if (!reportingMta.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("reportingMta must be a host name, got '" + reportingMta + "'");
        }
        if (originalSender.isBlank() || originalSender.matches("(?s).*[\\r\\n<>].*")) {
            throw new IllegalArgumentException("originalSender must be one address (a report is never sent to <>), got '"
                    + originalSender + "'");
        }
        if (ret != null) {
            ret = ret.toUpperCase(Locale.ROOT);
            if (!ret.equals("FULL") && !ret.equals("HDRS")) throw new IllegalArgumentException("ret must be FULL, HDRS or null");
        }
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) throw new IllegalArgumentException("a report needs at least one recipient");
        for (DsnRecipient r : recipients) {
            if (!kind.allows(r.status())) {
                throw new IllegalArgumentException("a " + kind.action() + " report cannot carry status " + r.status()
                        + " (" + r.finalRecipient() + ")");
            }
        }
        if (maxReturnSize < 0) throw new IllegalArgumentException("maxReturnSize must be 0 or more");
        if (returnsWhole(ret, originalSize, maxReturnSize) && originalMessage.length != originalSize) {
            throw new IllegalArgumentException("the whole original is returned: give all " + originalSize + " bytes");
        }
    }
}
