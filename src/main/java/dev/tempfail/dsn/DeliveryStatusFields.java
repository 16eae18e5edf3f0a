package dev.tempfail.dsn;

import dev.tempfail.message.MailDates;

import java.util.regex.Pattern;

/**
 * The {@code message/delivery-status} body (RFC 3464 §2): the per-message fields, then one block
 * per recipient, blocks separated by an empty line. Fields come in the order of the RFC's
 * grammar (our own X- fields after the standard ones), and every value is 7-bit, except in an
 * RFC 6533 {@code message/global-delivery-status}, where an internationalised address is written
 * in UTF-8 ({@code utf-8; jörg@bücher.example}).
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
            recipient(out, r.kind(), rcpt, r.global());
        }
        return out.toString();
    }

    private static void recipient(StringBuilder out, DsnKind kind, DsnRecipient r, boolean global) {
        if (r.originalRecipient() != null) {
            out.append(field("Original-Recipient", originalRecipient(r.originalRecipient(), global)));
        }
        out.append(field("Final-Recipient", address("rfc822", r.finalRecipient(), global)));
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

    /** ORCPT as given ({@code rfc822;Bob@Example.com}); an address that is not ASCII in one of RFC 6533's forms. */
    private static String originalRecipient(String orcpt, boolean global) {
        if (Ascii.isAscii(orcpt)) return Ascii.printable(orcpt);
        int semi = orcpt.indexOf(';');
        return address("utf-8", orcpt.substring(semi + 1), global);
    }

    /** A non-ASCII address: raw UTF-8 in a global report (RFC 6533 §3), else the 7-bit {@code \x{HEX}} form. */
    private static String address(String type, String address, boolean global) {
        if (!global || Ascii.isAscii(address)) return Ascii.addressField(type, address);
        return "utf-8; " + address.strip().replaceAll("[\\x00-\\x20\\x7f]+", "");
    }

    private static String field(String name, String value) {
        return HeaderFolding.field(name, value);
    }
}
