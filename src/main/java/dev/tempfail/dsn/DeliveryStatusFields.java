package dev.tempfail.dsn;

import dev.tempfail.message.MailDates;

import java.util.regex.Pattern;

/**
 * The {@code message/delivery-status} body (RFC 3464 §2): the per-message fields, then one block
 * per recipient, blocks separated by an empty line. Fields come in the order of the RFC's
 * grammar (our own X- fields after the standard ones), and every value is 7-bit.
 */
final class DeliveryStatusFields {
    /** An SMTP reply: three digits, then a space, a hyphen or nothing. Anything else is our own words. */
    private static final Pattern SMTP_REPLY = Pattern.compile("(?s)[2-5][0-9][0-9]([ -].*)?");

    private DeliveryStatusFields() {}

    static String text(DsnRequest r) {
        StringBuilder out = new StringBuilder();
        if (r.envid() != null) out.append(field("Original-Envelope-Id", Ascii.printable(r.envid())));
        out.append(field("Reporting-MTA", "dns; " + r.reportingMta()));
        out.append(field("Arrival-Date", MailDates.format(r.arrival())));
        out.append(field("X-Tempfail-Queue-ID", r.queueId()));
        for (DsnRecipient rcpt : r.recipients()) {
            out.append("\r\n");
            recipient(out, r.kind(), rcpt);
        }
        return out.toString();
    }

    private static void recipient(StringBuilder out, DsnKind kind, DsnRecipient r) {
        if (r.originalRecipient() != null) out.append(field("Original-Recipient", originalRecipient(r.originalRecipient())));
        out.append(field("Final-Recipient", Ascii.addressField("rfc822", r.finalRecipient())));
        out.append(field("Action", kind.action()));
        out.append(field("Status", r.status()));
        if (r.remoteMta() != null) out.append(field("Remote-MTA", "dns; " + Ascii.printable(r.remoteMta())));
        if (r.diagnostic() != null && !r.diagnostic().isBlank()) {
            out.append(field("Diagnostic-Code", diagnosticType(r.diagnostic()) + "; " + Ascii.printable(r.diagnostic())));
        }
        if (r.lastAttempt() != null) out.append(field("Last-Attempt-Date", MailDates.format(r.lastAttempt())));
        if (kind == DsnKind.DELAYED && r.willRetryUntil() != null) {
            out.append(field("Will-Retry-Until", MailDates.format(r.willRetryUntil())));
        }
    }

    /**
     * {@code smtp} for a server's reply; {@code X-Tempfail} for our own words (a DNS failure, a
     * connection that could not be made), as Postfix writes {@code X-Postfix}.
     */
    static String diagnosticType(String diagnostic) {
        return SMTP_REPLY.matcher(diagnostic.strip()).matches() ? "smtp" : "X-Tempfail";
    }

    /** ORCPT as given ({@code rfc822;Bob@Example.com}); an address that is not ASCII in RFC 6533's 7-bit form. */
    private static String originalRecipient(String orcpt) {
        if (Ascii.isAscii(orcpt)) return Ascii.printable(orcpt);
        int semi = orcpt.indexOf(';');
        return Ascii.addressField("utf-8", orcpt.substring(semi + 1));
    }

    private static String field(String name, String value) {
        return HeaderFolding.field(name, value);
    }
}
