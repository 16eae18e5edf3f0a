package dev.tempfail.delivery;

import dev.tempfail.queue.Attempt;
import dev.tempfail.queue.Leased;
import dev.tempfail.queue.RecipientState;
import dev.tempfail.reply.Category;
import dev.tempfail.reply.Classification;
import dev.tempfail.reply.ReplyClassifier;
import dev.tempfail.reply.RetryDecision;
import dev.tempfail.reply.RetryPolicy;
import dev.tempfail.reply.RetryState;
import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;

import java.time.Instant;
import java.util.List;

/**
 * One reply for one recipient in, one queue {@link Attempt} out: the classifier says what the
 * reply means, the retry policy says what happens next. Pure: no I/O.
 */
final class Decider {
    private final ReplyClassifier classifier;
    private final RetryPolicy policy;

    Decider(ReplyClassifier classifier, RetryPolicy policy) {
        this.classifier = classifier;
        this.policy = policy;
    }

    /** What was decided, with the classification and the policy's decision kept for logs and throttles. */
    record Decision(Attempt attempt, Classification classification, RetryDecision retry) {
        /** The same decision, its attempt recording the TLS the try ran over (null: clear text). */
        Decision withTls(String tls, boolean verified) {
            return new Decision(attempt.withTls(tls, verified), classification, retry);
        }
    }

    /**
     * @param noHostReached no host got as far as MAIL FROM: even a 5xx (a greeting) then only
     *                      means that this attempt failed, and the recipient is tried again later
     */
    Decision decide(Leased r, Stage stage, SmtpReply reply, String remoteHost, String remoteIp, boolean noHostReached,
                    Instant now) {
        Classification c = classifier.classify(stage, reply, remoteHost);
        if (noHostReached) c = c.asTransient();
        RetryState before = stateOf(r);
        RetryDecision d = policy.decide(c, before, now);
        RecipientState state;
        Instant next = null;
        String status = c.status();
        if (d.action() instanceof RetryDecision.Delivered) {
            state = RecipientState.DELIVERED;
        } else if (d.action() instanceof RetryDecision.Failed) {
            state = RecipientState.FAILED;
        } else if (d.action() instanceof RetryDecision.Expired e) {
            state = RecipientState.EXPIRED;
            status = e.status();
        } else {
            state = RecipientState.DEFERRED;
            next = ((RetryDecision.RetryAt) d.action()).at();
        }
        Attempt a = new Attempt(now, remoteHost, remoteIp, stage.label(), reply.code(), status, reply.text(),
                c.outcome().label(), c.category() == null ? null : c.category().label(), d.next().streak(), state, next,
                d.warnDelay(), policy.explain(c, before, d));
        return new Decision(a, c, d);
    }

    /**
     * A recipient whose destination is paused, at the moment its delay warning or its lifetime
     * comes: decided without a try, as if the destination had answered it with the reply that
     * paused it (as Postfix defers the mail of a dead destination with that destination's
     * reason), so it expires on time with 4.4.7 and its sender hears of the delay on time.
     *
     * @param reason the destination's reason, {@code category: reply} as the retry policy writes it
     */
    Decision decideHeld(Leased r, String reason, Instant now) {
        return decide(r, Stage.CONNECT, heldReply(reason), null, null, true, now);
    }

    /** Whether a held recipient must be decided now ({@link #decideHeld}) rather than put back. */
    boolean dueWhileHeld(Leased r, Instant now) {
        return policy.dueWhileHeld(stateOf(r), now);
    }

    /** When a recipient held back until {@code notBefore} should be looked at again. */
    Instant heldUntil(Leased r, Instant notBefore) {
        return policy.heldUntil(stateOf(r), notBefore);
    }

    /** The reply inside a destination's reason, or a generic "suspended" when it holds none (an operator's pause). */
    static SmtpReply heldReply(String reason) {
        String text = reason == null ? "" : reason.substring(reason.indexOf(':') + 1).strip();
        try {
            SmtpReply original = SmtpReply.parse(text);
            if (original.code() >= 400) return original;
        } catch (IllegalArgumentException notAReply) {
            // fall through
        }
        return SmtpReply.of(451, List.of("4.3.2 delivery temporarily suspended" + (text.isEmpty() ? "" : ": " + text)));
    }

    private static RetryState stateOf(Leased r) {
        Category category = r.category() == null ? null : Category.parse(r.category());
        return new RetryState(r.receivedAt(), r.attempts(), category, category == null ? 0 : r.streak(),
                r.delayNotifiedAt() != null);
    }
}
