package dev.tempfail.dsn;

import dev.tempfail.message.MailDates;
import dev.tempfail.reply.Category;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The first part of a report, for the person who sent the message: what happened to each
 * recipient and what they can do, in the calm words of Postfix's bounce(8) templates, with the
 * remote server's reply quoted as it came. Prose is wrapped at 72 columns; a quoted reply is
 * never wrapped, so it can be searched for and pasted whole.
 */
final class NoticeText {
    private static final int WIDTH = 72;
    private static final String INDENT = "    ";
    private static final String QUOTE = "        ";

    private final DsnRequest r;
    private final List<String> lines = new ArrayList<>();

    private NoticeText(DsnRequest r) {
        this.r = r;
    }

    /** The text, lines ended by CRLF. */
    static String text(DsnRequest r, ReturnedOriginal returned) {
        return new NoticeText(r).write(returned);
    }

    private String write(ReturnedOriginal returned) {
        paragraph("", "This is the mail system at host " + r.reportingMta() + ".");
        blank();
        String recipients = r.recipients().size() == 1 ? "the recipient below" : "the recipients below";
        switch (r.kind()) {
            case FAILED -> paragraph("", "Your message could not be delivered to " + recipients + ". "
                    + returned(returned));
            case DELAYED -> {
                paragraph("", "Your message has not yet been delivered to " + recipients + ": we have been trying for "
                        + human(Duration.between(r.arrival(), r.now())) + ".");
                blank();
                paragraph("", "This is only a warning: you do not need to send the message again. We keep trying, "
                        + "and will write again only if we have to give up. " + returned(returned));
            }
            case DELIVERED -> paragraph("", "Your message was delivered to " + recipients
                    + ", as you asked to be told. " + returned(returned));
            case RELAYED -> paragraph("", "Your message was passed on to the next mail server on its way to "
                    + recipients + ". That server does not send delivery reports, so you will get no further "
                    + "confirmation; if delivery fails after this point, you may still hear about it from the "
                    + "receiving system. " + returned(returned));
        }
        for (DsnRecipient rcpt : r.recipients()) {
            blank();
            lines.add("<" + plain(rcpt.finalRecipient()) + ">");
            recipient(rcpt);
        }
        if (r.kind() == DsnKind.FAILED || r.kind() == DsnKind.DELAYED) {
            blank();
            paragraph("", "If you need help, forward this report to the administrator of this mail system.");
        }
        return String.join("\r\n", lines) + "\r\n";
    }

    private void recipient(DsnRecipient rcpt) {
        Category category = Reasons.category(rcpt.category());
        String host = rcpt.remoteMta() == null ? null : plain(rcpt.remoteMta());
        switch (r.kind()) {
            case FAILED -> {
                if (rcpt.expired(r.kind())) {
                    Instant last = rcpt.lastAttempt() == null ? r.now() : rcpt.lastAttempt();
                    paragraph(INDENT, "Not delivered: we tried for " + human(Duration.between(r.arrival(), last))
                            + " and have given up. The last attempt failed because " + Reasons.because(category)
                            + ". " + Reasons.advice(category));
                    quote(rcpt, host == null ? "The last reply was:" : "The last reply, from " + host + ", was:",
                            "What went wrong the last time:");
                } else {
                    paragraph(INDENT, "Not delivered: " + Reasons.because(category) + ". " + Reasons.advice(category));
                    quote(rcpt, host == null ? "The receiving server replied:" : "The server " + host + " replied:",
                            "What went wrong:");
                }
            }
            case DELAYED -> {
                String until = rcpt.willRetryUntil() == null ? "We will keep trying."
                        : "We will keep trying until " + MailDates.format(rcpt.willRetryUntil()) + ".";
                paragraph(INDENT, "Not delivered yet, because " + Reasons.because(category) + ". " + until);
                quote(rcpt, host == null ? "The receiving server replied:" : "The server " + host + " replied:",
                        "What went wrong:");
            }
            case DELIVERED, RELAYED -> {
                String done = r.kind() == DsnKind.DELIVERED ? "Delivered" : "Passed on";
                if (rcpt.diagnostic() == null || rcpt.diagnostic().isBlank()) {
                    paragraph(INDENT, host == null ? done + "." : done + " to " + host + ".");
                } else {
                    quote(rcpt, host == null ? done + "; the server replied:" : done + " to " + host + ", which replied:",
                            done + ":");
                }
            }
        }
    }

    /** The diagnostic, each of its lines on its own, as it came; introduced as a reply or as our own words. */
    private void quote(DsnRecipient rcpt, String replyIntro, String ownWordsIntro) {
        if (rcpt.diagnostic() == null || rcpt.diagnostic().isBlank()) return;
        boolean reply = DeliveryStatusFields.diagnosticType(rcpt.diagnostic()).equals("smtp");
        lines.add(INDENT + (reply ? replyIntro : ownWordsIntro));
        for (String line : rcpt.diagnostic().strip().split("\r\n|\r|\n")) lines.add(QUOTE + plain(line));
    }

    /** One sentence or more, wrapped at {@link #WIDTH} with {@code indent} before every line. */
    private void paragraph(String indent, String text) {
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" +")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > WIDTH) {
                lines.add(line.toString());
                line = new StringBuilder(indent);
            }
            if (line.length() > indent.length()) line.append(' ');
            line.append(word);
        }
        lines.add(line.toString());
    }

    private void blank() {
        lines.add("");
    }

    private String returned(ReturnedOriginal returned) {
        return switch (returned.form()) {
            case WHOLE -> "Your message is attached.";
            case HEADERS -> "Its headers are attached, so you can tell which message it was.";
            case HEADERS_TOO_LARGE -> r.maxReturnSize() == 0
                    ? "This mail system returns only the headers of a message, so they alone are attached."
                    : "At " + size(returned.originalSize()) + " it is larger than the " + size(r.maxReturnSize())
                    + " a report may carry, so only its headers are attached.";
        };
    }

    /** Control characters (which could move a terminal's cursor or end a line) become '?'; other text stays. */
    private static String plain(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> out.appendCodePoint(cp == '\t' || !Character.isISOControl(cp) ? cp : '?'));
        return out.toString();
    }

    /** "45 minutes", "4 hours", "3 days", "2 days and 6 hours": as exact as a person needs. */
    static String human(Duration d) {
        long minutes = Math.max(0, d.toMinutes());
        if (minutes < 120) return count(minutes, "minute");
        long hours = Math.round(minutes / 60.0);
        if (hours < 48) return count(hours, "hour");
        long days = hours / 24;
        long rest = hours % 24;
        return rest == 0 ? count(days, "day") : count(days, "day") + " and " + count(rest, "hour");
    }

    private static String count(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }

    /** "800 bytes", "12 KB", "1 MB", "2.3 MB" (powers of 1024, as the config's sizes). */
    static String size(long bytes) {
        if (bytes < 1024) return count(bytes, "byte");
        if (bytes < 1024 * 1024) return unit(bytes / 1024.0, "KB");
        if (bytes < 1024L * 1024 * 1024) return unit(bytes / (1024.0 * 1024), "MB");
        return unit(bytes / (1024.0 * 1024 * 1024), "GB");
    }

    private static String unit(double v, String unit) {
        String n = v >= 10 || v == Math.floor(v) ? String.valueOf(Math.round(v)) : String.format(Locale.ROOT, "%.1f", v);
        return n.replaceAll("\\.0$", "") + " " + unit;
    }
}
