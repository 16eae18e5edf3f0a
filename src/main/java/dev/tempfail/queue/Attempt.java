package dev.tempfail.queue;

import java.time.Instant;

/**
 * What one try of one recipient came to, as the delivery worker hands it to the queue:
 * the reply (or the local failure), the verdict, and where the recipient goes next.
 *
 * @param state       the recipient's new state: deferred, delivered, failed or expired
 * @param nextAttempt when to try again (deferred only), else null
 * @param verdict     delivered, transient or permanent
 * @param category    why it failed (the reply category); null when delivered
 * @param streak      temporary failures of this category in a row, this one included (0 when not temporary)
 * @param markDelayNotified the sender is being sent a delay notice about this recipient now
 * @param why         why the retry policy chose that next attempt (deferred only; may be null)
 */
public record Attempt(Instant at, String remoteHost, String remoteIp, String stage, Integer code, String status,
                      String text, String verdict, String category, int streak, RecipientState state,
                      Instant nextAttempt, boolean markDelayNotified, String why) {

    public Attempt(Instant at, String remoteHost, String remoteIp, String stage, Integer code, String status,
                   String text, String verdict, String category, int streak, RecipientState state,
                   Instant nextAttempt, boolean markDelayNotified) {
        this(at, remoteHost, remoteIp, stage, code, status, text, verdict, category, streak, state, nextAttempt,
                markDelayNotified, null);
    }

    public Attempt {
        if ((state == RecipientState.DEFERRED) != (nextAttempt != null)) {
            throw new IllegalArgumentException("a deferred recipient, and only it, has a next attempt time");
        }
    }
}
