package dev.tempfail.reply;

import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;

import java.time.Duration;
import java.util.Objects;

/**
 * What one SMTP reply means.
 *
 * @param outcome        delivered (2xx), transient (4xx, and 552 to RCPT) or permanent (5xx)
 * @param category       why it was not delivered; null when delivered
 * @param status         the RFC 3463 code to report, its class always agreeing with the outcome
 *                       ({@code 4.2.2}); derived ({@code 4.0.0}) when the reply has none
 * @param waitHint       the shortest wait before the next try that the reply (or its rule) asks
 *                       for, e.g. "try again in 5 minutes"; null if none
 * @param perHour        the rate the reply allows, from "(2/h)"; 0 if it names none
 * @param rule           the rule that decided the category: a rule's name from the rule files,
 *                       or a built-in fallback such as {@code rfc3463 x.1.1}
 * @param note           a line for the operator about the category (may be null)
 * @param newTransaction the reply asks for the recipient to be tried again at once in a new
 *                       transaction (too many recipients, one domain per transaction)
 * @param stage          where the reply came
 * @param reply          the reply itself, for logs and the DSN
 */
public record Classification(Outcome outcome, Category category, String status, Duration waitHint, int perHour,
                             String rule, String note, boolean newTransaction, Stage stage, SmtpReply reply) {

    public Classification {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(rule, "rule");
        if (outcome != Outcome.DELIVERED) Objects.requireNonNull(category, "category");
        if (category != null && !category.fits(outcome)) {
            throw new IllegalArgumentException("a " + outcome + " reply cannot be " + category);
        }
    }

    /**
     * This classification taken as a temporary failure: for a permanent reply that came before
     * any transaction (a 5xx greeting) from the last of several hosts. Each host's 5xx only
     * means "try the next MX"; when all fail, the attempt as a whole is temporary.
     */
    public Classification asTransient() {
        if (outcome != Outcome.PERMANENT) return this;
        return new Classification(Outcome.TRANSIENT, category, "4" + status.substring(1), waitHint, perHour,
                rule + ", every host refused before MAIL", note, newTransaction, stage, reply);
    }

    public boolean isTransient() { return outcome == Outcome.TRANSIENT; }

    public boolean isPermanent() { return outcome == Outcome.PERMANENT; }

    public boolean isDelivered() { return outcome == Outcome.DELIVERED; }

    /**
     * The reply is about the destination as a whole, not just this recipient: anything but a
     * reply to a single RCPT, except 421 (which closes the whole session).
     */
    public boolean concernsDestination() {
        return stage != Stage.RCPT || reply == null || reply.code() == 421;
    }

    /** One line for logs: {@code transient greylisted 4.7.1 (rule greylisting)}. */
    @Override
    public String toString() {
        return outcome + (category == null ? "" : " " + category) + " " + status + " (rule " + rule + ")"
                + (waitHint == null ? "" : " wait>=" + waitHint.toSeconds() + "s");
    }
}
